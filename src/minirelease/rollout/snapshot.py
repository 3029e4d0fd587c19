"""Reading one mini program's rollout on one partner app from the database, in the shape
the pure resolver takes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import Status
from minirelease.rollout.resolve import Package, PairRollout


def _package(release: Release) -> Package | None:
    if release.build_sha256 is None:
        return None
    return Package(
        release_id=release.id,
        version=release.version,
        sha256=release.build_sha256,
        size=release.build_size or 0,
        signature=release.build_signature or "",
        key_id=release.build_key_id or "",
    )


def pair_rollout(session: Session, partner_code: str, app_id: str) -> PairRollout | None:
    """None when there is no such partner app, mini program or listing."""
    row = session.execute(
        select(Listing)
        .join(PartnerApp, PartnerApp.id == Listing.partner_app_id)
        .join(MiniProgram, MiniProgram.id == Listing.mini_program_id)
        .where(PartnerApp.code == partner_code, MiniProgram.app_id == app_id)
    ).scalar_one_or_none()
    if row is None:
        return None
    online = session.get(Release, row.online_release_id) if row.online_release_id else None
    candidate = session.scalar(
        select(Release).where(
            Release.mini_program_id == row.mini_program_id,
            Release.partner_app_id == row.partner_app_id,
            Release.status.in_([Status.PILOT.value, Status.GRAYSCALE.value]),
        )
    )
    return PairRollout(
        removed=row.removal_status == "removed",
        online=_package(online) if online else None,
        candidate=_package(candidate) if candidate else None,
        candidate_status=candidate.status if candidate else None,
        basis_points=candidate.basis_points if candidate else 0,
        halted=bool(candidate and candidate.halted),
        testers=frozenset(candidate.pilot_tester_ids) if candidate else frozenset(),
    )
