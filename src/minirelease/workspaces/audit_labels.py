"""Names for the ids a workspace's audit log holds: the actors' emails and the mini
programs' names, for one page of events in two queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.accounts.models import User
from minirelease.audit import AuditEvent
from minirelease.authz import Permission, Principal
from minirelease.miniprograms.models import MiniProgram
from minirelease.workspaces.lookup import load_workspace


@dataclass(frozen=True)
class AuditLabels:
    # user id → email; system actors ("system:…") and deleted users have none.
    actors: dict[str, str]
    # mini program id → name; deleted mini programs have none.
    mini_programs: dict[str, str]


def audit_labels(
    session: Session, principal: Principal, *, workspace_id: str, events: Iterable[AuditEvent]
) -> AuditLabels:
    """Labels for ``events`` of this workspace's log, for whoever may read that log."""
    load_workspace(session, principal, workspace_id, Permission.WORKSPACE_AUDIT_READ)
    events = [event for event in events if event.workspace_id == workspace_id]
    actor_ids = sorted({event.actor for event in events})
    program_ids = sorted({event.mini_program_id for event in events if event.mini_program_id})
    actors: dict[str, str] = {}
    if actor_ids:
        rows = session.execute(select(User.id, User.email).where(User.id.in_(actor_ids)))
        actors = {user_id: email for user_id, email in rows}
    programs: dict[str, str] = {}
    if program_ids:
        rows = session.execute(
            select(MiniProgram.id, MiniProgram.name).where(
                MiniProgram.workspace_id == workspace_id, MiniProgram.id.in_(program_ids)
            )
        )
        programs = {mp_id: name for mp_id, name in rows}
    return AuditLabels(actors=actors, mini_programs=programs)
