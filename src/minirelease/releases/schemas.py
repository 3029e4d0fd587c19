"""Release request and response shapes (design §7)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from minirelease.authz import Principal
from minirelease.partners.models import PartnerApp
from minirelease.releases.allowed import allowed_for
from minirelease.releases.compat_gate import recorded_scope
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.releases.ramp_schemas import Number, RampPlanCreate, RampRead, ramp_read
from minirelease.schemas import Body


class ReleaseCreate(Body):
    version: str = Field(min_length=1, max_length=64)
    partner_app: str = Field(min_length=1, max_length=40)


class BasicInfoEdit(Body):
    name: str | None = None
    description: str | None = None
    category: str | None = None


class ApplyRequest(Body):
    basic_info: BasicInfoEdit | None = None


class ReviewCreate(Body):
    side: Literal["platform", "partner"]
    decision: Literal["approve", "reject"]
    comment: str = Field(default="", max_length=2000)


class PilotRequest(Body):
    tester_user_ids: list[str] = Field(max_length=200)


class GrayscaleRequest(Body):
    # A JSON number (Body is strict): not true, not "5"; read as the exact decimal it was
    # written as (a float's shortest repr), steps of 0.01 checked by the service.
    percentage: Number | None = Field(
        default=None,
        description="0.01 to 100 in steps of 0.01; only goes up. With a plan: may be left"
        " out, else must be the plan's first step",
    )
    plan: RampPlanCreate | None = Field(
        default=None, description="Only when the grayscale starts: steps that raise it by itself"
    )


class BuildRead(BaseModel):
    number: int
    status: str
    sha256: str | None
    size: int | None
    signature: str | None
    key_id: str | None
    log: list[Any]


RunScope = Annotated[
    Literal["full", "narrowed"] | None,
    Field(
        description="full: over the partner app's whole matrix; narrowed: over the os,"
        " networks or devices chosen (not enough to apply); null for an older run"
    ),
]


class CompatibilityRead(BaseModel):
    run_id: str | None
    status: str | None
    scope: RunScope = None
    summary: dict[str, Any] | None


class ReviewRead(BaseModel):
    decision: str | None
    comment: str | None


class ReleaseRead(BaseModel):
    id: str
    mini_program_id: str
    version: str
    partner_app: str
    status: str
    percentage: float
    paused: bool
    halted: bool
    configuration: dict[str, Any]
    build: BuildRead
    compatibility: CompatibilityRead
    reviews: dict[str, ReviewRead]
    basic_info: dict[str, Any] | None
    server_domains: list[Any] | None
    h5_domains: list[Any] | None
    pilot_tester_ids: list[Any]
    allowed_actions: list[str] = Field(
        description="What the caller may do now, given their role, the partner app's policy"
        " and the release's state: each the path under `/releases/{id}/` that does it"
        " (`configuration` is a PUT, the others POSTs): `configuration`,"
        " `compatibility-runs`, `apply`, `withdraw`, `pilot` (start, or replace the testers),"
        " `pilot/complete`, `grayscale`, `pause`, `resume`, `halt`, `full-release`, `cancel`;"
        " and `reviews:<side>:<decision>` for `POST /reviews` with that side and decision"
        " (e.g. `reviews:partner:approve`). Rollback and removal act on the listing."
    )
    rollback_of: str | None
    grayscale_started_at: dt.datetime | None
    released_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    ramp: RampRead | None = None


def release_read(
    session: Session,
    release: Release,
    principal: Principal,
    allowed_actions: list[str] | None = None,
    *,
    now: dt.datetime,
) -> ReleaseRead:
    """``release`` as ``principal`` sees it at ``now`` (its ramp plan's hold and gate):
    its ``allowed_actions`` are theirs (read here unless given: a list's page reads them
    at once, allowed.allowed_for_page)."""
    partner = session.get(PartnerApp, release.partner_app_id)
    run = session.get(CompatibilityRun, release.compat_run_id) if release.compat_run_id else None
    return ReleaseRead(
        id=release.id,
        mini_program_id=release.mini_program_id,
        version=release.version,
        partner_app=partner.code if partner else "",
        status=release.status,
        percentage=release.basis_points / 100,
        paused=release.paused,
        halted=release.halted,
        configuration=release.configuration,
        build=BuildRead(
            number=release.build_number,
            status=release.build_status,
            sha256=release.build_sha256,
            size=release.build_size,
            signature=release.build_signature,
            key_id=release.build_key_id,
            log=release.build_log,
        ),
        compatibility=CompatibilityRead(
            run_id=run.id if run else None,
            status=run.status if run else None,
            scope=recorded_scope(run) if run else None,
            summary=run.summary if run else None,
        ),
        reviews={
            "platform": ReviewRead(
                decision=release.platform_decision, comment=release.platform_comment
            ),
            "partner": ReviewRead(
                decision=release.partner_decision, comment=release.partner_comment
            ),
        },
        basic_info=release.basic_info,
        server_domains=release.server_domains,
        h5_domains=release.h5_domains,
        pilot_tester_ids=release.pilot_tester_ids,
        allowed_actions=(
            allowed_for(session, release, principal) if allowed_actions is None else allowed_actions
        ),
        rollback_of=release.rollback_of,
        grayscale_started_at=release.grayscale_started_at,
        released_at=release.released_at,
        created_at=release.created_at,
        updated_at=release.updated_at,
        ramp=ramp_read(session, release, now),
    )


class RunRead(BaseModel):
    id: str
    release_id: str
    build_number: int
    package_sha256: str
    status: str
    scope: RunScope = None
    progress: dict[str, int]
    matrix: dict[str, Any]
    summary: dict[str, Any] | None
    report: dict[str, Any] | None
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def run_read(run: CompatibilityRun) -> RunRead:
    return RunRead(
        id=run.id,
        release_id=run.release_id,
        build_number=run.build_number,
        package_sha256=run.build_sha256,
        status=run.status,
        scope=recorded_scope(run),
        progress={"cells_done": run.cells_done, "cells_total": run.cells_total},
        matrix=run.matrix,
        summary=run.summary,
        report=run.report,
        error=run.error,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )
