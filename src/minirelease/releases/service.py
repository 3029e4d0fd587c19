"""Starting a release ("Choose App" + Confirm), reading it, and its build configuration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Permission, Principal
from minirelease.build.config import BuildConfiguration
from minirelease.errors import NotFound
from minirelease.ids import new_id
from minirelease.jobs import enqueue
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.miniprograms.models import Version
from minirelease.pagination import Page, PageRequest, descending, paginate
from minirelease.partners.models import PartnerApp
from minirelease.releases.access import load_release
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import Action, Status
from minirelease.releases.transitions import transition

BUILD_JOB = "build"


def partner_app_by_code(session: Session, code: str) -> PartnerApp:
    partner = session.scalar(select(PartnerApp).where(PartnerApp.code == code))
    if partner is None:
        raise NotFound(f"partner app {code!r} not found")
    return partner


def ensure_listing(session: Session, mini_program_id: str, partner_app_id: str) -> Listing:
    listing = session.scalar(
        select(Listing).where(
            Listing.mini_program_id == mini_program_id, Listing.partner_app_id == partner_app_id
        )
    )
    if listing is None:
        listing = Listing(
            id=new_id("lst"), mini_program_id=mini_program_id, partner_app_id=partner_app_id
        )
        session.add(listing)
        session.flush()
    return listing


def enqueue_build(session: Session, release: Release) -> None:
    enqueue(
        session,
        kind=BUILD_JOB,
        subject_id=release.id,
        payload={"build_number": release.build_number},
    )


def create_release(
    session: Session,
    principal: Principal,
    *,
    mini_program_id: str,
    version: str,
    partner_app: str,
) -> Release:
    mp, _ = load_mini_program(session, principal, mini_program_id, Permission.RELEASE_MANAGE)
    row = session.scalar(
        select(Version).where(Version.mini_program_id == mp.id, Version.version == version)
    )
    if row is None:
        raise NotFound(f"version {version!r} of this mini program not found")
    partner = partner_app_by_code(session, partner_app)
    ensure_listing(session, mp.id, partner.id)
    release = Release(
        id=new_id("rel"),
        mini_program_id=mp.id,
        partner_app_id=partner.id,
        version_id=row.id,
        version=row.version,
        status=Status.BUILDING.value,
        configuration=BuildConfiguration().to_dict(),
        build_number=1,
        build_status="queued",
        created_by=principal.user_id,
    )
    session.add(release)
    session.flush()
    enqueue_build(session, release)
    audit.record(
        session,
        actor=principal.user_id,
        action="release.create",
        target_type="release",
        target_id=release.id,
        workspace_id=mp.workspace_id,
        mini_program_id=mp.id,
        release_id=release.id,
        partner_app=partner.code,
        after={"version": row.version, "partner_app": partner.code, "status": release.status},
    )
    return release


def list_releases(
    session: Session, principal: Principal, *, mini_program_id: str, page: PageRequest | None = None
) -> Page[Release]:
    """The mini program's releases, newest first (across mini programs: queries.py)."""
    mp, _ = load_mini_program(session, principal, mini_program_id, Permission.RELEASE_READ)
    query = select(Release).where(Release.mini_program_id == mp.id)
    return paginate(session, query, [descending(Release.id)], page)


def get_release(session: Session, principal: Principal, *, release_id: str) -> Release:
    release, _, _ = load_release(session, principal, release_id)
    return release


def get_configuration(session: Session, principal: Principal, *, release_id: str) -> dict[str, Any]:
    release, _, _ = load_release(session, principal, release_id)
    return dict(release.configuration)


def change_configuration(
    session: Session, principal: Principal, *, release_id: str, changes: dict[str, Any]
) -> Release:
    """ "View Configuration": a change rebuilds; an unchanged configuration changes nothing."""
    release, mp, _ = load_release(
        session, principal, release_id, Permission.RELEASE_MANAGE, for_update=True
    )
    current = BuildConfiguration.from_dict(release.configuration)
    updated = BuildConfiguration.from_dict(changes, base=current)
    if updated == current:
        return release
    partner = session.get(PartnerApp, release.partner_app_id)
    transition(
        session,
        release,
        Action.CONFIGURE,
        actor=principal.user_id,
        workspace_id=mp.workspace_id,
        partner_app=partner.code if partner else None,
        changes={
            "configuration": updated.to_dict(),
            "build_number": release.build_number + 1,
            "build_status": "queued",
            "build_sha256": None,
            "build_size": None,
            "build_signature": None,
            "build_log": [],
        },
    )
    enqueue_build(session, release)
    return release
