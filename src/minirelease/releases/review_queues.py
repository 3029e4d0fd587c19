"""What waits for a reviewer: the counts on their home page, the removal requests for
the partner apps they review, and the review sheet of one release (what changed against
the version online, what the reviewers approve)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, granted
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.access import load_release
from minirelease.releases.models import CompatibilityRun, Listing, Release
from minirelease.releases.queries import awaiting, visible_to

BASIC_INFO_FIELDS = ("name", "description", "category", "icon_sha256")


@dataclass(frozen=True)
class Queue:
    """One review queue: the platform's (``partner_app`` None) or a partner app's."""

    side: str
    partner_app: str | None
    label: str
    count: int


def queues(session: Session, principal: Principal) -> list[Queue]:
    """The queues the caller reviews, with how many releases wait in each."""
    found: list[Queue] = []
    if principal.is_platform_reviewer:
        found.append(Queue("platform", None, "Platform review", _waiting(session, principal)))
    codes = sorted(principal.partner_reviewer_of)
    if principal.is_platform_admin:
        codes = list(session.scalars(select(PartnerApp.code).order_by(PartnerApp.code)))
    if codes:
        counts = dict(
            session.execute(
                select(PartnerApp.code, func.count(Release.id))
                .join(Release, Release.partner_app_id == PartnerApp.id)
                .where(visible_to(principal), awaiting(principal, "partner"))
                .group_by(PartnerApp.code)
            ).all()
        )
        names = dict(
            session.execute(
                select(PartnerApp.code, PartnerApp.name).where(PartnerApp.code.in_(codes))
            ).all()
        )
        found.extend(
            Queue("partner", code, f"{names.get(code, code)} review", counts.get(code, 0))
            for code in codes
        )
    return found


def _waiting(session: Session, principal: Principal) -> int:
    return (
        session.scalar(
            select(func.count(Release.id)).where(
                visible_to(principal), awaiting(principal, "platform")
            )
        )
        or 0
    )


@dataclass(frozen=True)
class RemovalRequest:
    listing: Listing
    mini_program: MiniProgram
    partner_app: PartnerApp


def removal_requests(session: Session, principal: Principal) -> list[RemovalRequest]:
    """Removal requests waiting on the partner apps the caller reviews, oldest first."""
    if Permission.REMOVAL_REVIEW not in granted(principal.platform_roles()):
        return []
    rows = session.execute(
        select(Listing, MiniProgram, PartnerApp)
        .join(MiniProgram, MiniProgram.id == Listing.mini_program_id)
        .join(PartnerApp, PartnerApp.id == Listing.partner_app_id)
        .where(
            Listing.removal_status == "requested",
            PartnerApp.code.in_(sorted(principal.partner_reviewer_of)),
        )
        .order_by(Listing.updated_at, Listing.id)
    )
    return [RemovalRequest(*row) for row in rows]


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class DomainChanges:
    kind: str
    current: list[str]
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class ReviewSheet:
    release: Release
    mini_program: MiniProgram
    partner_app: PartnerApp
    online: Release | None
    basic_info_changes: list[Change]
    domains: list[DomainChanges]
    run: CompatibilityRun | None
    sides: list[str]  # the sides the caller may decide


def basic_info_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The basic info fields that differ from the online version's (all of them, when
    nothing is online yet)."""
    before, after = before or {}, after or {}
    keys = [k for k in BASIC_INFO_FIELDS if k in after or k in before]
    keys += sorted(k for k in {*before, *after} if k not in BASIC_INFO_FIELDS)
    return [Change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def domain_changes(kind: str, before: list[str] | None, after: list[str] | None) -> DomainChanges:
    old, new = set(before or ()), list(after or ())
    return DomainChanges(
        kind,
        new,
        added=[d for d in new if d not in old],
        removed=sorted(old - set(new)),
    )


def review_sheet(session: Session, principal: Principal, *, release_id: str) -> ReviewSheet:
    """Everything a reviewer weighs; ``NotFound`` for what the caller may not read."""
    release, mini_program, roles = load_release(session, principal, release_id)
    partner = session.get(PartnerApp, release.partner_app_id)
    assert partner is not None
    listing = session.scalar(
        select(Listing).where(
            Listing.mini_program_id == release.mini_program_id,
            Listing.partner_app_id == release.partner_app_id,
        )
    )
    online = (
        session.get(Release, listing.online_release_id)
        if listing is not None and listing.online_release_id
        else None
    )
    run = session.get(CompatibilityRun, release.compat_run_id) if release.compat_run_id else None
    permissions = granted(roles)
    sides = [
        side
        for side, permission in (
            ("platform", Permission.RELEASE_REVIEW_PLATFORM),
            ("partner", Permission.RELEASE_REVIEW_PARTNER),
        )
        if permission in permissions
    ]
    return ReviewSheet(
        release=release,
        mini_program=mini_program,
        partner_app=partner,
        online=online if online is not None and online.id != release.id else None,
        basic_info_changes=basic_info_changes(
            online.basic_info if online is not None else None, release.basic_info
        ),
        domains=[
            domain_changes(
                "server",
                online.server_domains if online is not None else None,
                release.server_domains,
            ),
            domain_changes(
                "H5", online.h5_domains if online is not None else None, release.h5_domains
            ),
        ],
        run=run,
        sides=sides,
    )
