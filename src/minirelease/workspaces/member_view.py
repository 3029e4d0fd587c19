"""Reading one member, and the mini programs a developer can be given: what the console's
member management shows beside the list of ``members.py``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.accounts.models import User
from minirelease.authz import Permission, Principal
from minirelease.errors import NotFound
from minirelease.miniprograms.models import MiniProgram
from minirelease.workspaces import members
from minirelease.workspaces.lookup import load_workspace


def get_member(
    session: Session, principal: Principal, *, workspace_id: str, user_id: str
) -> members.Member:
    """One member, as ``members.list_members`` shows them (the same permission)."""
    load_workspace(session, principal, workspace_id, Permission.WORKSPACE_MEMBERS_READ)
    membership = members.find_membership(session, workspace_id, user_id)
    email = session.scalar(select(User.email).where(User.id == user_id))
    if membership is None or email is None:
        raise NotFound("member not found")
    state = members.snapshot(session, membership)
    return members.Member(
        user_id=user_id,
        email=email,
        role=state["role"],
        blocked=state["blocked"],
        mini_program_ids=state["mini_program_ids"],
    )


def assignable_mini_programs(
    session: Session, principal: Principal, *, workspace_id: str
) -> list[tuple[str, str]]:
    """Every mini program of the workspace as (id, name), by name: the choices of whoever
    may assign developers (owners and masters)."""
    load_workspace(session, principal, workspace_id, Permission.WORKSPACE_DEVELOPERS_MANAGE)
    rows = session.execute(
        select(MiniProgram.id, MiniProgram.name)
        .where(MiniProgram.workspace_id == workspace_id)
        .order_by(MiniProgram.name, MiniProgram.id)
    )
    return [(mp_id, name) for mp_id, name in rows]
