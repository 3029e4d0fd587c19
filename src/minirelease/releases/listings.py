"""A mini program on one partner app: what is online, rollback, and removal
(apply → the partner app's reviewer decides → removed; platform admins force it)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Permission, Principal, Role, granted, require, roles_on_listing
from minirelease.db import utcnow
from minirelease.errors import InvalidTransition, NotFound, ValidationFailed
from minirelease.ids import new_id
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.releases.service import ensure_listing, partner_app_by_code
from minirelease.releases.state import ACTIVE, TERMINAL, Action, Status
from minirelease.releases.transitions import transition

ROLLBACK_DEPTH = 5
BLOCKS_REMOVAL = (Status.IN_REVIEW, Status.PILOT, Status.GRAYSCALE)


@dataclass
class ListingView:
    mini_program: MiniProgram
    partner: PartnerApp
    listing: Listing
    online: Release | None
    active: Release | None
    released_history: list[Release]
    # What the caller may do on the pair (for pages that offer only what is allowed).
    permissions: frozenset[Permission] = frozenset()


def _active_release(session: Session, mp_id: str, partner_id: str) -> Release | None:
    """The pair's release under review or rollout if any (at most one is), else the newest
    one still being prepared (several may be building or testing at once)."""
    return _release_in(session, mp_id, partner_id, ACTIVE) or _release_in(
        session, mp_id, partner_id, set(Status) - TERMINAL - {Status.RELEASED}
    )


def _release_in(
    session: Session, mp_id: str, partner_id: str, statuses: Collection[Status]
) -> Release | None:
    """The pair's newest release in one of ``statuses``."""
    return session.scalar(
        select(Release)
        .where(
            Release.mini_program_id == mp_id,
            Release.partner_app_id == partner_id,
            Release.status.in_([s.value for s in statuses]),
        )
        .order_by(Release.id.desc())
        .limit(1)
    )


def released_history(session: Session, mp_id: str, partner_id: str) -> list[Release]:
    """Releases that were online on the pair, most recent first."""
    return list(
        session.scalars(
            select(Release)
            .where(
                Release.mini_program_id == mp_id,
                Release.partner_app_id == partner_id,
                Release.released_at.is_not(None),
            )
            .order_by(Release.released_at.desc(), Release.id.desc())
        )
    )


def _load(
    session: Session,
    principal: Principal,
    mini_program_id: str,
    code: str,
    permission: Permission,
) -> tuple[MiniProgram, PartnerApp, Listing, set[Role]]:
    """The pair, locked. Partner reviewers of ``code`` and platform admins also see it."""
    partner = partner_app_by_code(session, code)
    mp = session.get(MiniProgram, mini_program_id)
    roles: set[Role] = set()
    if mp is not None:
        try:
            _, roles = load_mini_program(session, principal, mini_program_id)
        except NotFound:
            roles = set()
        roles = roles_on_listing(principal, roles, code)
    if mp is None or not ({Permission.MINI_PROGRAM_READ, Permission.RELEASE_READ} & granted(roles)):
        raise NotFound("mini program not found")
    require(roles, permission, what="listing")
    # Lock order everywhere: the pair's releases (by id), then its listing — as a release
    # action does (its release, then the listing in go_online) — so no two requests wait
    # on each other.
    session.scalars(
        select(Release.id)
        .where(
            Release.mini_program_id == mp.id,
            Release.partner_app_id == partner.id,
            Release.status.not_in([s.value for s in TERMINAL]),
        )
        .order_by(Release.id)
        .with_for_update()
    ).all()
    listing = ensure_listing(session, mp.id, partner.id)
    listing = (
        session.get(Listing, listing.id, with_for_update=True, populate_existing=True) or listing
    )
    return mp, partner, listing, roles


def read_listing(
    session: Session, principal: Principal, *, mini_program_id: str, code: str
) -> ListingView:
    mp, partner, listing, roles = _load(
        session, principal, mini_program_id, code, Permission.RELEASE_READ
    )
    online = session.get(Release, listing.online_release_id) if listing.online_release_id else None
    return ListingView(
        mp,
        partner,
        listing,
        online,
        _active_release(session, mp.id, partner.id),
        released_history(session, mp.id, partner.id)[: ROLLBACK_DEPTH + 1],
        granted(roles),
    )


def rollback_targets(session: Session, view: ListingView) -> list[Release]:
    """The releases ``rollback`` may put online again on the pair of ``view`` (read with
    ``read_listing``), newest first: one per version, the last ``ROLLBACK_DEPTH`` versions
    released before the online one. Empty when nothing can be rolled back."""
    if view.online is None or view.listing.removal_status == "removed":
        return []
    return _rollback_targets(session, view.mini_program.id, view.partner.id, view.online)


def _rollback_targets(
    session: Session, mp_id: str, partner_id: str, current: Release
) -> list[Release]:
    candidates = [
        r
        for r in released_history(session, mp_id, partner_id)
        if r.id != current.id and r.version != current.version
    ]
    seen: list[Release] = []
    for r in candidates:  # the last 5 distinct versions
        if r.version not in {s.version for s in seen}:
            seen.append(r)
    return seen[:ROLLBACK_DEPTH]


def rollback(
    session: Session,
    principal: Principal,
    *,
    mini_program_id: str,
    code: str,
    version: str | None = None,
) -> Release:
    """Put one of the last 5 previously released versions online again, as a new release
    that re-publishes that build; the current online release becomes rolled_back."""
    mp, partner, listing, _ = _load(
        session, principal, mini_program_id, code, Permission.RELEASE_MANAGE
    )
    if _release_in(session, mp.id, partner.id, {Status.GRAYSCALE}) is not None:
        raise InvalidTransition("grayscale", "roll_back", "finish or cancel the grayscale first")
    current = session.get(Release, listing.online_release_id) if listing.online_release_id else None
    if current is None or listing.removal_status == "removed":
        raise InvalidTransition("not_released", "roll_back", "nothing is online to roll back")
    seen = _rollback_targets(session, mp.id, partner.id, current)
    if not seen:
        raise InvalidTransition(
            "released", "roll_back", "there is no earlier version to roll back to"
        )
    target = seen[0] if version is None else next((r for r in seen if r.version == version), None)
    if target is None:
        allowed = ", ".join(r.version for r in seen)
        raise ValidationFailed(
            f"version {version} is not one of the last {ROLLBACK_DEPTH} "
            f"released versions ({allowed})"
        )
    now = utcnow()
    restored = Release(
        id=new_id("rel"),
        mini_program_id=mp.id,
        partner_app_id=partner.id,
        version_id=target.version_id,
        version=target.version,
        status=Status.RELEASED.value,
        basis_points=10_000,
        configuration=dict(target.configuration),
        build_number=target.build_number,
        build_status=target.build_status,
        build_sha256=target.build_sha256,
        build_size=target.build_size,
        build_signature=target.build_signature,
        build_key_id=target.build_key_id,
        build_log=list(target.build_log),
        compat_run_id=target.compat_run_id,
        basic_info=target.basic_info,
        server_domains=target.server_domains,
        h5_domains=target.h5_domains,
        released_at=now,
        rollback_of=target.id,
        created_by=principal.user_id,
    )
    session.add(restored)
    transition(
        session,
        current,
        Action.ROLL_BACK,
        actor=principal.user_id,
        workspace_id=mp.workspace_id,
        partner_app=partner.code,
        details={"restored": restored.id, "version": target.version},
    )
    listing.online_release_id = restored.id
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="listing.rollback",
        target_type="listing",
        target_id=listing.id,
        workspace_id=mp.workspace_id,
        mini_program_id=mp.id,
        release_id=restored.id,
        partner_app=partner.code,
        before={"online_release_id": current.id, "version": current.version},
        after={"online_release_id": restored.id, "version": target.version},
    )
    return restored


def _removal_audit(
    session: Session,
    principal: Principal,
    action: str,
    mp: MiniProgram,
    partner: PartnerApp,
    listing: Listing,
    before: str,
) -> None:
    audit.record(
        session,
        actor=principal.user_id,
        action=f"listing.{action}",
        target_type="listing",
        target_id=listing.id,
        workspace_id=mp.workspace_id,
        mini_program_id=mp.id,
        partner_app=partner.code,
        before={"removal_status": before},
        after={"removal_status": listing.removal_status, "reason": listing.removal_reason},
    )


def request_removal(
    session: Session, principal: Principal, *, mini_program_id: str, code: str, reason: str = ""
) -> Listing:
    mp, partner, listing, _ = _load(
        session, principal, mini_program_id, code, Permission.RELEASE_MANAGE
    )
    if listing.removal_status != "none":
        raise InvalidTransition(
            listing.removal_status,
            "request_removal",
            f"removal is already {listing.removal_status}",
        )
    if listing.online_release_id is None:
        raise InvalidTransition(
            "not_released", "request_removal", "nothing is online on this partner app to remove"
        )
    active = _release_in(session, mp.id, partner.id, BLOCKS_REMOVAL)
    if active is not None:
        raise InvalidTransition(
            active.status,
            "request_removal",
            f"a release is {active.status.replace('_', ' ')}; finish it first",
        )
    listing.removal_status = "requested"
    listing.removal_reason = reason[:2000] or None
    listing.removal_requested_by = principal.user_id
    _removal_audit(session, principal, "removal.request", mp, partner, listing, "none")
    return listing


def review_removal(
    session: Session,
    principal: Principal,
    *,
    mini_program_id: str,
    code: str,
    decision: str,
    comment: str = "",
) -> Listing:
    if decision not in ("approve", "reject"):
        raise ValidationFailed("decision must be 'approve' or 'reject'")
    mp, partner, listing, _ = _load(
        session, principal, mini_program_id, code, Permission.REMOVAL_REVIEW
    )
    if listing.removal_status != "requested":
        raise InvalidTransition(
            listing.removal_status, "review_removal", "there is no removal request to review"
        )
    listing.removal_status = "removed" if decision == "approve" else "none"
    if comment:
        listing.removal_reason = comment[:2000]
    _removal_audit(session, principal, f"removal.{decision}", mp, partner, listing, "requested")
    return listing


def force_removal(
    session: Session, principal: Principal, *, mini_program_id: str, code: str, reason: str = ""
) -> Listing:
    """Platform admins remove at once; every release of the pair in flight is canceled."""
    mp, partner, listing, _ = _load(
        session, principal, mini_program_id, code, Permission.FORCE_REMOVE
    )
    if listing.removal_status == "removed":
        raise InvalidTransition("removed", "force_removal", "already removed")
    before = listing.removal_status
    in_flight = session.scalars(
        select(Release)
        .where(
            Release.mini_program_id == mp.id,
            Release.partner_app_id == partner.id,
            Release.status.not_in([s.value for s in (*TERMINAL, Status.RELEASED)]),
            Release.status != Status.IN_REVIEW.value,
        )
        .with_for_update()
    ).all()
    for release in in_flight:
        transition(
            session,
            release,
            Action.CANCEL,
            actor=principal.user_id,
            workspace_id=mp.workspace_id,
            partner_app=partner.code,
            details={"reason": "force removal"},
        )
    # In review cannot be canceled by the table; withdrawing first then canceling is
    # what a person would do, done here in one step.
    in_review = session.scalars(
        select(Release)
        .where(
            Release.mini_program_id == mp.id,
            Release.partner_app_id == partner.id,
            Release.status == Status.IN_REVIEW.value,
        )
        .with_for_update()
    ).all()
    for release in in_review:
        for action in (Action.WITHDRAW, Action.CANCEL):
            transition(
                session,
                release,
                action,
                actor=principal.user_id,
                workspace_id=mp.workspace_id,
                partner_app=partner.code,
                details={"reason": "force removal"},
            )
    listing.removal_status = "removed"
    listing.removal_reason = reason[:2000] or "removed by the platform"
    listing.removal_requested_by = principal.user_id
    _removal_audit(session, principal, "removal.force", mp, partner, listing, before)
    return listing
