"""Releases (one version of one mini program going to one partner app), the listing of
a mini program on a partner app (what is online there, removal), and compatibility runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minirelease.db import Base, utcnow
from minirelease.partners.models import PartnerApp


class Release(Base):
    __tablename__ = "releases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    mini_program_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.id", ondelete="CASCADE"), index=True
    )
    partner_app_id: Mapped[str] = mapped_column(ForeignKey("partner_apps.id"), index=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    basis_points: Mapped[int] = mapped_column(default=0)  # grayscale share, 1 … 10000
    paused: Mapped[bool] = mapped_column(default=False)
    halted: Mapped[bool] = mapped_column(default=False)

    configuration: Mapped[dict[str, Any]]
    build_number: Mapped[int] = mapped_column(default=0)  # bumped by every (re)build
    # queued|running|succeeded|failed, or canceled when the release was canceled before
    build_status: Mapped[str] = mapped_column(String(20), default="queued")
    build_sha256: Mapped[str | None] = mapped_column(String(64))
    build_size: Mapped[int | None]
    build_signature: Mapped[str | None] = mapped_column(String(200))
    build_key_id: Mapped[str | None] = mapped_column(String(32))
    build_log: Mapped[list[Any]] = mapped_column(default=list)

    compat_run_id: Mapped[str | None] = mapped_column(String(40))

    platform_decision: Mapped[str | None] = mapped_column(String(10))
    platform_comment: Mapped[str | None] = mapped_column(String(2000))
    platform_reviewer_id: Mapped[str | None] = mapped_column(String(40))
    partner_decision: Mapped[str | None] = mapped_column(String(10))
    partner_comment: Mapped[str | None] = mapped_column(String(2000))
    partner_reviewer_id: Mapped[str | None] = mapped_column(String(40))

    # Snapshots taken at "Apply to Release": what the reviewers approved.
    basic_info: Mapped[dict[str, Any] | None]
    server_domains: Mapped[list[Any] | None]
    h5_domains: Mapped[list[Any] | None]

    pilot_tester_ids: Mapped[list[Any]] = mapped_column(default=list)
    grayscale_started_at: Mapped[dt.datetime | None]
    released_at: Mapped[dt.datetime | None]
    # Set when this release re-publishes an earlier build (rollback).
    rollback_of: Mapped[str | None] = mapped_column(String(40))

    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: a concurrent update of the same row fails instead of being lost.
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    # Read-only (``partner_app_id`` is what is written), never loaded unless asked:
    # releases/access.py loads it with the release, and the release then holds it, so
    # the rest of the request finds it in the session (``session.get``) without a query.
    partner_app: Mapped[PartnerApp] = relationship(viewonly=True, lazy="raise_on_sql")


class Listing(Base):
    """A mini program on one partner app: the online release, and its removal."""

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("mini_program_id", "partner_app_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    mini_program_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.id", ondelete="CASCADE"), index=True
    )
    partner_app_id: Mapped[str] = mapped_column(ForeignKey("partner_apps.id"), index=True)
    online_release_id: Mapped[str | None] = mapped_column(String(40))
    removal_status: Mapped[str] = mapped_column(String(20), default="none")
    removal_reason: Mapped[str | None] = mapped_column(String(2000))
    removal_requested_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}


class CompatibilityRun(Base):
    __tablename__ = "compatibility_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    release_id: Mapped[str] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    build_number: Mapped[int]
    build_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        String(20), default="queued"
    )  # queued|running|finished|failed|canceled
    cells_done: Mapped[int] = mapped_column(default=0)
    cells_total: Mapped[int] = mapped_column(default=0)
    matrix: Mapped[dict[str, Any]]
    # Deferred, like the page: a report runs to megabytes (each finding lists its cells),
    # and reading a release, its progress or its summary must not parse it.
    report: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    summary: Mapped[dict[str, Any] | None]
    report_html: Mapped[str | None] = mapped_column(Text, deferred=True)
    error: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class RampPlan(Base):
    """A grayscale's automatic ramp (issue 5): steps of basis points, each held for a
    minimum time, and an optional health gate. One per release; changed only while the
    release row is locked, by the release's own transitions (releases/ramp.py) and by the
    periodic tick (releases/ramp_tick.py)."""

    __tablename__ = "ramp_plans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    release_id: Mapped[str] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), unique=True
    )
    # [{"basis_points": 100, "hold_minutes": 60}, …]; the last step has no hold (None).
    steps: Mapped[list[Any]]
    # {"max_failure_rate_ratio", "max_failure_rate_delta", "min_samples"}, or None: no gate.
    gate: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(20), index=True)  # active|completed|canceled|stopped
    current_step: Mapped[int] = mapped_column(default=0)
    # When the release reached its current percentage: the start of the gate's window.
    step_started_at: Mapped[dt.datetime]
    # When the current step's hold ends; None on the last step. Kept while frozen.
    hold_until: Mapped[dt.datetime | None]
    # Set while the grayscale is paused or halted: hold time does not count then.
    frozen_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(500))
    # The gate's evaluation that halted the grayscale, kept for the release read.
    gate_result: Mapped[dict[str, Any] | None]
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
