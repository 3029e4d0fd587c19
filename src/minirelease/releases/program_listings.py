"""A mini program's partner apps at a glance: every partner app it has a listing on (one is
made with its first release there), what is online and whether it was removed. One query,
ordered by partner app code; a mini program has at most one listing per partner app."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release


@dataclass(frozen=True)
class ProgramListing:
    partner_app_id: str
    code: str
    name: str
    online_version: str | None
    online_release_id: str | None
    removal_status: str


def program_listings(
    session: Session, principal: Principal, *, mini_program_id: str
) -> list[ProgramListing]:
    """The mini program's listings, for who may read its releases (404 for anyone else)."""
    mp, _ = load_mini_program(session, principal, mini_program_id, Permission.RELEASE_READ)
    rows = session.execute(
        select(Listing, PartnerApp.code, PartnerApp.name, Release.version)
        .join(PartnerApp, PartnerApp.id == Listing.partner_app_id)
        .outerjoin(Release, Release.id == Listing.online_release_id)
        .where(Listing.mini_program_id == mp.id)
        .order_by(PartnerApp.code)
    )
    return [
        ProgramListing(
            partner_app_id=listing.partner_app_id,
            code=code,
            name=name,
            online_version=version,
            online_release_id=listing.online_release_id,
            removal_status=listing.removal_status,
        )
        for listing, code, name, version in rows
    ]
