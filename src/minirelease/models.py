"""Imports every table so the metadata is complete for Alembic and for drift checks."""

from minirelease.accounts.models import ApiToken, User
from minirelease.audit import AuditEvent
from minirelease.compat.models import CompatProfile
from minirelease.db import Base
from minirelease.jobs.leases import PeriodicLease
from minirelease.jobs.models import Job
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.models import PartnerApp, PartnerReviewer
from minirelease.ratelimits.models import RateLimitCounter
from minirelease.releases.models import CompatibilityRun, Listing, RampPlan, Release
from minirelease.rollout.serial import RolloutSerial
from minirelease.signing_keys.models import SigningKey
from minirelease.telemetry.models import PartnerAppKey, TelemetryBatch, TelemetryCount
from minirelease.workspaces.models import DeveloperAssignment, Invitation, Membership, Workspace

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "CompatProfile",
    "CompatibilityRun",
    "DeveloperAssignment",
    "Invitation",
    "Job",
    "Listing",
    "Membership",
    "MiniProgram",
    "PartnerApp",
    "PartnerAppKey",
    "PartnerReviewer",
    "PeriodicLease",
    "RampPlan",
    "RateLimitCounter",
    "Release",
    "RolloutSerial",
    "SigningKey",
    "TelemetryBatch",
    "TelemetryCount",
    "User",
    "Version",
    "Workspace",
]
