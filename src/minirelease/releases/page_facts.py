"""The facts beyond the release rows (facts.facts_for) for a page of releases at once: one
query each for the listings, the finished compatibility runs, the partner apps and the
other active releases of their pairs, whatever the page's length (allowed_for_page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.partners.models import PartnerApp
from minirelease.releases.compat_gate import gate_run
from minirelease.releases.facts import row_facts
from minirelease.releases.models import CompatibilityRun, Listing, Release
from minirelease.releases.state import ACTIVE, ReleaseFacts


def context_facts(session: Session, releases: Sequence[Release]) -> dict[str, ReleaseFacts]:
    """Each release's facts as ``facts_for(session, release)`` reads them, by release id."""
    if not releases:
        return {}
    programs = sorted({r.mini_program_id for r in releases})
    partners = sorted({r.partner_app_id for r in releases})
    listings = {
        (listing.mini_program_id, listing.partner_app_id): listing
        for listing in session.scalars(
            select(Listing).where(
                Listing.mini_program_id.in_(programs), Listing.partner_app_id.in_(partners)
            )
        )
    }
    runs: dict[str, list[CompatibilityRun]] = defaultdict(list)
    for finished_run in session.scalars(
        select(CompatibilityRun)
        .where(
            CompatibilityRun.release_id.in_(sorted(r.id for r in releases)),
            CompatibilityRun.status == "finished",
        )
        .order_by(CompatibilityRun.id.desc())  # the latest first, as finished_runs
    ):
        runs[finished_run.release_id].append(finished_run)
    apps = {
        app.id: app
        for app in session.scalars(select(PartnerApp).where(PartnerApp.id.in_(partners)))
    }
    active: dict[tuple[str, str], set[str]] = defaultdict(set)
    for release_id, program, partner_id in session.execute(
        select(Release.id, Release.mini_program_id, Release.partner_app_id).where(
            Release.mini_program_id.in_(programs),
            Release.partner_app_id.in_(partners),
            Release.status.in_([s.value for s in ACTIVE]),
        )
    ):
        active[(program, partner_id)].add(release_id)
    facts = {}
    for release in releases:
        pair = (release.mini_program_id, release.partner_app_id)
        finished = [run for run in runs[release.id] if run.build_number == release.build_number]
        run = gate_run(session, release, finished)
        listing = listings.get(pair)
        partner = apps.get(release.partner_app_id)
        facts[release.id] = replace(
            row_facts(release),
            compat_finished_on_current_build=bool(finished),
            compat_whole_on_current_build=run is not None,
            compat_failing=bool(run and run.summary and run.summary.get("status") == "fail"),
            partner_blocks_failing_reports=bool(partner and partner.block_on_failing_report),
            pair_has_online_version=bool(
                listing and listing.online_release_id and listing.removal_status != "removed"
            ),
            pair_has_other_active_release=bool(active[pair] - {release.id}),
        )
    return facts
