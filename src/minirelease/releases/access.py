"""Loading a release with the caller's roles on it.

Workspace roles come from the mini program. Reviewer roles are contextual: a platform
reviewer holds theirs on any release under or after review; a partner reviewer only on
such releases to the partner app they review. Everyone else gets 404."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.access import mini_program_roles
from minirelease.authz import Permission, Principal, Role, granted, require
from minirelease.errors import NotFound
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.releases.state import Status

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


def release_roles(
    session: Session, principal: Principal, release: Release, mini_program: MiniProgram
) -> set[Role]:
    roles = mini_program_roles(
        session, principal, workspace_id=mini_program.workspace_id, mini_program_id=mini_program.id
    )
    roles -= {Role.PLATFORM_REVIEWER, Role.PARTNER_REVIEWER}
    # basic_info is snapshotted at apply: once applied, the reviewers have seen it.
    reviewed = Status(release.status) in REVIEWED or release.basic_info is not None
    if reviewed and principal.is_platform_reviewer:
        roles.add(Role.PLATFORM_REVIEWER)
    if reviewed and principal.partner_reviewer_of:
        partner = session.get(PartnerApp, release.partner_app_id)
        if partner is not None and partner.code in principal.partner_reviewer_of:
            roles.add(Role.PARTNER_REVIEWER)
    return roles


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
    release = session.get(Release, release_id, with_for_update=for_update, populate_existing=True)
    if release is None:
        raise NotFound("release not found")
    mini_program = session.get(MiniProgram, release.mini_program_id)
    if mini_program is None:
        raise NotFound("release not found")
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
