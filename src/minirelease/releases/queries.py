"""Listing releases across mini programs and partner apps (``GET /releases``): the
console's lists and the reviewers' queues.

Who sees which release follows ``access.release_roles`` exactly, written as SQL so that a
page costs one query however many releases there are:

- the team: owners and masters of the mini program's workspace, and the developers
  assigned to the mini program (active memberships only);
- platform reviewers: every release under or after review (status in ``REVIEWED``, or
  applied once: ``basic_info`` snapshotted);
- partner reviewers: those of them that target a partner app they review;
- platform admins: every release.

``awaiting_review`` picks a review queue: ``platform`` is what is in review without a
platform decision yet (among what the caller sees); ``partner`` is what is in review
without a partner decision, on the partner apps the caller reviews: the caller's own
queue, so a team member or a platform reviewer who reviews no partner app gets an empty
one. Platform admins, who watch every partner app, get every partner app's queue.

Releases are ordered by id, which is by creation (ids are time-ordered and immutable, so
pages never shift): ``newest`` first by default, ``oldest`` first for review queues."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, cast, false, or_, select, true, union
from sqlalchemy.orm import Session

from minirelease.authz import Principal, Role
from minirelease.errors import ValidationFailed
from minirelease.miniprograms.models import MiniProgram
from minirelease.pagination import Page, PageRequest, ascending, descending, paginate
from minirelease.partners.models import PartnerApp
from minirelease.releases.access import REVIEWED
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.releases.state import Status
from minirelease.workspaces.models import DeveloperAssignment, Membership

AWAITING_SIDES = ("platform", "partner")
ORDERS = {"newest": (descending(Release.id),), "oldest": (ascending(Release.id),)}


def list_releases(
    session: Session,
    principal: Principal,
    *,
    statuses: Iterable[str] = (),
    partner_app: str | None = None,
    mini_program_id: str | None = None,
    awaiting_review: str | None = None,
    order: str = "newest",
    page: PageRequest | None = None,
) -> Page[Release]:
    """The releases the caller may see that match every filter given (several statuses:
    any of them). A filter naming nothing that exists matches nothing."""
    if order not in ORDERS:
        raise ValidationFailed(f"order: must be one of {', '.join(ORDERS)}")
    query = select(Release).where(visible_to(principal))
    wanted = _statuses(statuses)
    if wanted:
        query = query.where(Release.status.in_(sorted(wanted)))
    if partner_app is not None:
        query = query.where(Release.partner_app_id.in_(_partner_ids([partner_app])))
    if mini_program_id is not None:
        query = query.where(Release.mini_program_id == mini_program_id)
    if awaiting_review is not None:
        query = query.where(awaiting(principal, awaiting_review))
    listed: Page[Release] = paginate(session, query, ORDERS[order], page)
    _preload(session, listed.items)
    return listed


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """The releases ``principal`` may read (``Permission.RELEASE_READ``), as a condition."""
    if principal.is_platform_admin:
        return true()
    seen: list[ColumnElement[bool]] = [Release.mini_program_id.in_(_team_programs(principal))]
    reviewed = or_(
        Release.status.in_(sorted(REVIEWED)),
        # NULL until applied. Compared as text, a JSON null (None stored explicitly)
        # counts as not applied too, as it reads None in access.release_roles.
        cast(Release.basic_info, Text) != "null",
    )
    if principal.is_platform_reviewer:
        seen.append(reviewed)
    if principal.partner_reviewer_of:
        mine = Release.partner_app_id.in_(_partner_ids(principal.partner_reviewer_of))
        seen.append(and_(reviewed, mine))
    return or_(*seen)


def awaiting(principal: Principal, side: str) -> ColumnElement[bool]:
    """In review and still waiting for ``side``'s decision (see the module's docstring)."""
    if side not in AWAITING_SIDES:
        raise ValidationFailed(f"awaiting_review: must be one of {', '.join(AWAITING_SIDES)}")
    in_review = Release.status == Status.IN_REVIEW.value
    if side == "platform":
        return and_(in_review, Release.platform_decision.is_(None))
    undecided = and_(in_review, Release.partner_decision.is_(None))
    if principal.is_platform_admin:
        return undecided
    if not principal.partner_reviewer_of:
        return false()
    return and_(undecided, Release.partner_app_id.in_(_partner_ids(principal.partner_reviewer_of)))


def _team_programs(principal: Principal) -> Select[Any]:
    """The ids of the mini programs whose releases the caller reads as a team member
    (access.mini_program_roles): any of the workspace's as owner or master; as a
    developer, those assigned to them."""
    active = and_(Membership.user_id == principal.user_id, Membership.blocked.is_(False))
    whole_workspace = (
        select(MiniProgram.id)
        .join(Membership, Membership.workspace_id == MiniProgram.workspace_id)
        .where(active, Membership.role.in_([Role.OWNER.value, Role.MASTER.value]))
    )
    assigned = (
        select(DeveloperAssignment.mini_program_id)
        .join(Membership, Membership.id == DeveloperAssignment.membership_id)
        .join(MiniProgram, MiniProgram.id == DeveloperAssignment.mini_program_id)
        .where(
            active,
            Membership.role == Role.DEVELOPER.value,
            MiniProgram.workspace_id == Membership.workspace_id,
        )
    )
    return select(union(whole_workspace, assigned).subquery().c[0])


def _partner_ids(codes: Iterable[str]) -> Select[Any]:
    return select(PartnerApp.id).where(PartnerApp.code.in_(sorted(codes)))


def _statuses(values: Iterable[str]) -> set[str]:
    wanted = set()
    for value in values:
        try:
            wanted.add(Status(value).value)
        except ValueError:
            known = ", ".join(status.value for status in Status)
            raise ValidationFailed(f"status: {value!r} is not one of {known}") from None
    return wanted


def _preload(session: Session, releases: list[Release]) -> None:
    """Load the page's partner apps and compatibility runs in one query each, so that
    reading each release (schemas.release_read) finds them in the session."""
    partner_ids = {release.partner_app_id for release in releases}
    run_ids = {release.compat_run_id for release in releases if release.compat_run_id}
    if partner_ids:
        session.scalars(select(PartnerApp).where(PartnerApp.id.in_(sorted(partner_ids)))).all()
    if run_ids:
        session.scalars(
            select(CompatibilityRun).where(CompatibilityRun.id.in_(sorted(run_ids)))
        ).all()
