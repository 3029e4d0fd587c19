"""Loading a mini program together with the caller's roles on it, hiding what the caller
may not see: the first step of every mini-program-scoped use case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minirelease.access import mini_program_roles
from minirelease.authz import Permission, Principal, Role, granted, require
from minirelease.errors import NotFound
from minirelease.miniprograms.models import MiniProgram


def load_mini_program(
    session: Session,
    principal: Principal,
    mini_program_id: str,
    permission: Permission = Permission.MINI_PROGRAM_READ,
    *,
    for_update: bool = False,
) -> tuple[MiniProgram, set[Role]]:
    """Return the mini program and the caller's roles on it, or raise ``NotFound`` when the
    caller cannot read it and ``PermissionDenied`` when they may not do ``permission``."""
    mp = session.get(MiniProgram, mini_program_id, with_for_update=for_update)
    if mp is None:
        raise NotFound("mini program not found")
    roles = mini_program_roles(
        session, principal, workspace_id=mp.workspace_id, mini_program_id=mp.id
    )
    if Permission.MINI_PROGRAM_READ not in granted(roles):
        raise NotFound("mini program not found")
    require(roles, permission, what="mini program")
    return mp, roles
