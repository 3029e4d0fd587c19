"""Reading the facts the state machine's guards need, inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minirelease.partners.models import PartnerApp
from minirelease.releases.compat_gate import finished_runs, gate_run
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import ACTIVE, ReleaseFacts, Status


def listing_for(session: Session, release: Release, *, for_update: bool = False) -> Listing | None:
    query = select(Listing).where(
        Listing.mini_program_id == release.mini_program_id,
        Listing.partner_app_id == release.partner_app_id,
    )
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def facts_for(session: Session, release: Release) -> ReleaseFacts:
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
    return ReleaseFacts(
        status=Status(release.status),
        basis_points=release.basis_points,
        paused=release.paused,
        halted=release.halted,
        platform_approved=release.platform_decision == "approve",
        partner_approved=release.partner_decision == "approve",
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
