"""Reading the facts the state machine's guards need, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minirelease.partners.models import PartnerApp
from minirelease.releases.compat_gate import finished_runs, gate_run
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import ACTIVE, Action, ReleaseFacts, Status, needs_context


def listing_for(session: Session, release: Release, *, for_update: bool = False) -> Listing | None:
    query = select(Listing).where(
        Listing.mini_program_id == release.mini_program_id,
        Listing.partner_app_id == release.partner_app_id,
    )
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def row_facts(release: Release) -> ReleaseFacts:
    """The facts the release row holds itself; every other fact at its default."""
    return ReleaseFacts(
        status=Status(release.status),
        basis_points=release.basis_points,
        paused=release.paused,
        halted=release.halted,
        platform_approved=release.platform_decision == "approve",
        partner_approved=release.partner_decision == "approve",
    )


def facts_for(session: Session, release: Release, action: Action | None = None) -> ReleaseFacts:
    """The facts of ``release`` for the guards; with ``action``, only those deciding it can
    read: the row's alone when its guards look at nothing else (state.needs_context), as
    for pause, resume and halt, which then cost no other query."""
    row = row_facts(release)
    if action is not None and not needs_context(row.status, action):
        return row
    listing = listing_for(session, release)
    finished = finished_runs(session, release)
    run = gate_run(session, release, finished)  # the latest whole one of them
    partner = session.get(PartnerApp, release.partner_app_id)
    others_active = session.scalar(
        select(func.count())
        .select_from(Release)
        .where(
            Release.mini_program_id == release.mini_program_id,
            Release.partner_app_id == release.partner_app_id,
            Release.id != release.id,
            Release.status.in_([s.value for s in ACTIVE]),
        )
    )
    return replace(
        row,
        compat_finished_on_current_build=bool(finished),
        compat_whole_on_current_build=run is not None,
        compat_failing=bool(run and run.summary and run.summary.get("status") == "fail"),
        partner_blocks_failing_reports=bool(partner and partner.block_on_failing_report),
        # A removed mini program serves nobody: nothing is online for a grayscale to share.
        pair_has_online_version=bool(
            listing and listing.online_release_id and listing.removal_status != "removed"
        ),
        pair_has_other_active_release=bool(others_active),
    )
