""" "Test Compatibility" and "View Report": starting a run on the current build and
reading its report. The run itself is a background job (releases/job_handlers.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal
from minirelease.compat.matrix import build_matrix, scope_of
from minirelease.compat.profile_store import current_profiles
from minirelease.errors import NotFound
from minirelease.ids import new_id
from minirelease.jobs import enqueue
from minirelease.pagination import Page, PageRequest, descending, paginate
from minirelease.partners.models import PartnerApp
from minirelease.releases.access import load_release
from minirelease.releases.models import CompatibilityRun
from minirelease.releases.state import Action
from minirelease.releases.transitions import transition

COMPAT_JOB = "compat"


def start_run(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    os: Sequence[str] | None = None,
    networks: Sequence[str] | None = None,
    devices: Sequence[str] | None = None,
) -> CompatibilityRun:
    """Queue a run over the partner app's OS versions x every network x every device, or
    the names given; the matrix is stored with its profiles, which the job evaluates, and
    with its ``scope``: ``full`` when it covers the partner app's whole matrix as it is now,
    ``narrowed`` otherwise (only a full run lets the release apply: compat_gate.gate_run)."""
    release, mp, _ = load_release(
        session, principal, release_id, Permission.RELEASE_MANAGE, for_update=True
    )
    partner = session.get(PartnerApp, release.partner_app_id)
    assert partner is not None
    profiles = current_profiles(session)
    os_versions = partner.capability_profile["os_versions"]
    whole = build_matrix(partner.code, os_versions, profiles)
    matrix = build_matrix(
        partner.code, os_versions, profiles, os=os, networks=networks, devices=devices
    )
    scope = scope_of((cell.id for cell in matrix.cells()), (cell.id for cell in whole.cells()))
    run = CompatibilityRun(
        id=new_id("run"),
        release_id=release.id,
        build_number=release.build_number,
        build_sha256=release.build_sha256 or "",
        status="queued",
        cells_total=len(matrix.cells()),
        matrix={**matrix.to_json(), "scope": scope},
        created_by=principal.user_id,
    )
    session.add(run)
    transition(
        session,
        release,
        Action.TEST,
        actor=principal.user_id,
        workspace_id=mp.workspace_id,
        partner_app=partner.code,
        changes={"compat_run_id": run.id},
    )
    enqueue(session, kind=COMPAT_JOB, subject_id=run.id, payload={"release_id": release.id})
    return run


def get_run(
    session: Session, principal: Principal, *, release_id: str, run_id: str
) -> CompatibilityRun:
    release, _, _ = load_release(session, principal, release_id)
    run = session.get(CompatibilityRun, run_id)
    if run is None or run.release_id != release.id:
        raise NotFound("compatibility run not found")
    return run


def list_runs(
    session: Session, principal: Principal, *, release_id: str, page: PageRequest | None = None
) -> Page[CompatibilityRun]:
    release, _, _ = load_release(session, principal, release_id)
    query = select(CompatibilityRun).where(CompatibilityRun.release_id == release.id)
    return paginate(session, query, [descending(CompatibilityRun.id)], page)
