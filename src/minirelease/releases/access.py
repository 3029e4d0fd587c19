"""Loading a release with the caller's roles on it.

Workspace roles come from the mini program. Reviewer roles are contextual: a platform
reviewer holds theirs on any release under or after review; a partner reviewer only on
such releases to the partner app they review. Everyone else gets 404."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, joinedload

from minirelease.access import mini_program_roles
from minirelease.authz import (
    Permission,
    Principal,
    Role,
    granted,
    release_reviewer_roles,
    require,
    without_reviewer_roles,
)
from minirelease.errors import NotFound
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.releases.state import Status
from minirelease.workspaces.models import DeveloperAssignment, Membership

# Statuses a reviewer may see: the request reached them.
REVIEWED = frozenset(
    {
        Status.IN_REVIEW,
        Status.REJECTED,
        Status.APPROVED,
        Status.PILOT,
        Status.GRAYSCALE,
        Status.RELEASED,
        Status.ARCHIVED,
        Status.ROLLED_BACK,
    }
)


_TEAM_ROLES = "minirelease.release_team_roles"


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the session's own, not a flush's or a savepoint's
        session.info.pop(_TEAM_ROLES, None)


@event.listens_for(Session, "before_flush")
def _forget_on_membership_change(session: Session, *_: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, Membership | DeveloperAssignment) for row in changed):
        session.info.pop(_TEAM_ROLES, None)


def _team_roles(
    session: Session, principal: Principal, mini_program_id: str, mini_program: MiniProgram | None
) -> frozenset[Role] | None:
    """The caller's workspace roles on the mini program, read once per transaction (the
    memo is dropped at its end, or when membership rows change): a request that loads a
    release and then says what the caller may do with it (allowed.py) asks twice. None
    when not read yet and ``mini_program`` is not given to read them with."""
    memo: dict[tuple[str, str], frozenset[Role]] = session.info.setdefault(_TEAM_ROLES, {})
    key = (principal.user_id, mini_program_id)
    if key not in memo:
        if mini_program is None:
            return None
        roles = mini_program_roles(
            session,
            principal,
            workspace_id=mini_program.workspace_id,
            mini_program_id=mini_program_id,
        )
        memo[key] = frozenset(without_reviewer_roles(roles))
    return memo[key]


def remember_team_roles(
    session: Session, principal: Principal, mini_program_ids: Iterable[str]
) -> None:
    """Read the caller's workspace roles on these mini programs (a list's page) in a
    fixed number of queries, as access.mini_program_roles would one by one."""
    memo: dict[tuple[str, str], frozenset[Role]] = session.info.setdefault(_TEAM_ROLES, {})
    missing = sorted({i for i in mini_program_ids if (principal.user_id, i) not in memo})
    if not missing:
        return
    programs = list(session.scalars(select(MiniProgram).where(MiniProgram.id.in_(missing))))
    memberships = {
        m.workspace_id: m
        for m in session.scalars(
            select(Membership).where(
                Membership.user_id == principal.user_id,
                Membership.workspace_id.in_(sorted({p.workspace_id for p in programs})),
                Membership.blocked.is_(False),
            )
        )
    }
    developers = [m.id for m in memberships.values() if m.role == Role.DEVELOPER]
    assigned: set[tuple[str, str]] = set()
    if developers:
        rows = session.execute(
            select(DeveloperAssignment.membership_id, DeveloperAssignment.mini_program_id).where(
                DeveloperAssignment.membership_id.in_(sorted(developers)),
                DeveloperAssignment.mini_program_id.in_(missing),
            )
        )
        assigned = {(membership_id, program_id) for membership_id, program_id in rows}
    platform = without_reviewer_roles(principal.platform_roles())
    for program in programs:
        roles = set(platform)
        membership = memberships.get(program.workspace_id)
        if membership is not None and membership.role != Role.DEVELOPER:
            roles.add(Role(membership.role))
        elif membership is not None and (membership.id, program.id) in assigned:
            roles.add(Role.DEVELOPER)
        memo[(principal.user_id, program.id)] = frozenset(roles)


def release_roles(
    session: Session, principal: Principal, release: Release, mini_program: MiniProgram
) -> set[Role]:
    team = _team_roles(session, principal, mini_program.id, mini_program)
    assert team is not None
    return _with_reviewer_roles(session, principal, release, set(team))


def caller_roles(session: Session, principal: Principal, release: Release) -> set[Role]:
    """``release_roles`` of a release loaded earlier in this transaction, usually without
    a query (the mini program is read only when the roles were not)."""
    team = _team_roles(session, principal, release.mini_program_id, None)
    if team is None:
        mini_program = session.get(MiniProgram, release.mini_program_id)
        if mini_program is None:
            return set()
        return release_roles(session, principal, release, mini_program)
    return _with_reviewer_roles(session, principal, release, set(team))


def _with_reviewer_roles(
    session: Session, principal: Principal, release: Release, roles: set[Role]
) -> set[Role]:
    # basic_info is snapshotted at apply: once applied, the reviewers have seen it.
    reviewed = Status(release.status) in REVIEWED or release.basic_info is not None
    code = None
    if reviewed and principal.partner_reviewer_of:  # the partner app is read only then
        partner = session.get(PartnerApp, release.partner_app_id)
        code = partner.code if partner is not None else None
    return roles | release_reviewer_roles(principal, reviewed=reviewed, partner_app=code)


def load_release(
    session: Session,
    principal: Principal,
    release_id: str,
    permission: Permission = Permission.RELEASE_READ,
    *,
    for_update: bool = False,
) -> tuple[Release, MiniProgram, set[Role]]:
    """The release (row-locked when ``for_update``), its mini program and the caller's roles;
    ``NotFound`` when the caller cannot see it, ``PermissionDenied`` when they may not act."""
    # One round trip for the release, its mini program and its partner app (which the
    # release holds from then on: the guards and the response read it).
    query = (
        select(Release, MiniProgram)
        .join(MiniProgram, MiniProgram.id == Release.mini_program_id)
        .where(Release.id == release_id)
        .options(joinedload(Release.partner_app, innerjoin=True))
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Release)
    row = session.execute(query).first()
    if row is None:
        raise NotFound("release not found")
    release, mini_program = row
    roles = release_roles(session, principal, release, mini_program)
    if Permission.RELEASE_READ not in granted(roles):
        raise NotFound("release not found")
    require(roles, permission, what="release")
    return release, mini_program, roles


# A build partner apps may download: a launch can answer with it (or did).
SERVED = frozenset(
    {Status.PILOT, Status.GRAYSCALE, Status.RELEASED, Status.ARCHIVED, Status.ROLLED_BACK}
)


def releases_of_build(session: Session, sha256: str) -> list[Release]:
    return list(session.scalars(select(Release).where(Release.build_sha256 == sha256)))


def build_is_public(releases: list[Release]) -> bool:
    """Whether some release of the build has been served to users: from then on anyone
    with its digest may download it, as partner apps do at launch."""
    return any(Status(release.status) in SERVED for release in releases)


def build_is_visible(session: Session, principal: Principal, releases: list[Release]) -> bool:
    """Before it is served, a build is seen only by who can see one of its releases (the
    team, and reviewers once it reached them)."""
    for release in releases:
        mini_program = session.get(MiniProgram, release.mini_program_id)
        if mini_program is None:
            continue
        roles = release_roles(session, principal, release, mini_program)
        if Permission.RELEASE_READ in granted(roles):
            return True
    return False
