"""Use cases for mini programs: create, list, read, edit basic info and whitelists, set the
icon, delete. Services never commit; every change records its audit event in the same
transaction, and every input is validated before anything is changed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.access import active_membership
from minirelease.authz import Permission, Principal, sees_whole_workspace
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound
from minirelease.ids import new_id
from minirelease.miniprograms import domains, rules
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.miniprograms.models import MiniProgram
from minirelease.pagination import Page, PageRequest, ascending, paginate
from minirelease.workspaces.lookup import load_workspace
from minirelease.workspaces.models import DeveloperAssignment

APP_ID_PREFIX = "2021"
APP_ID_LENGTH = 16
_APP_ID_ATTEMPTS = 10


def create_mini_program(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str,
    name: str,
    category: str,
    release_target: str,
    description: str = "",
) -> MiniProgram:
    workspace, _ = load_workspace(session, principal, workspace_id, Permission.MINI_PROGRAM_CREATE)
    name = rules.check_name(name)
    description = rules.check_description(description)
    category = rules.check_category(category)
    release_target = rules.check_release_target(release_target)
    _ensure_name_free(session, workspace.id, name)
    now = utcnow()
    mp = MiniProgram(
        id=new_id("mp"),
        app_id=_new_app_id(session),
        workspace_id=workspace.id,
        release_target=release_target,
        name=name,
        description=description,
        category=category,
        server_domains=[],
        h5_domains=[],
        tester_user_ids=[],
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(mp)
    session.flush()
    _record(session, principal, mp, "mini_program.create", after=snapshot(mp))
    return mp


def list_mini_programs(
    session: Session, principal: Principal, *, workspace_id: str, page: PageRequest | None = None
) -> Page[MiniProgram]:
    workspace, roles = load_workspace(
        session, principal, workspace_id, Permission.MINI_PROGRAM_READ
    )
    query = select(MiniProgram).where(MiniProgram.workspace_id == workspace.id)
    if not sees_whole_workspace(roles):
        # Only a developer reads without seeing the whole workspace: their assigned ones.
        membership = active_membership(session, principal, workspace.id)
        if membership is None:
            return Page([])
        assigned = select(DeveloperAssignment.mini_program_id).where(
            DeveloperAssignment.membership_id == membership.id
        )
        query = query.where(MiniProgram.id.in_(assigned))
    order = [ascending(MiniProgram.created_at), ascending(MiniProgram.id)]
    return paginate(session, query, order, page)


def get_mini_program(
    session: Session, principal: Principal, *, mini_program_id: str
) -> MiniProgram:
    mp, _ = load_mini_program(session, principal, mini_program_id)
    return mp


def update_mini_program(
    session: Session,
    principal: Principal,
    *,
    mini_program_id: str,
    name: str | None = None,
    description: str | None = None,
    category: str | None = None,
    server_domains: Sequence[str] | None = None,
    h5_domains: Sequence[str] | None = None,
    tester_user_ids: Sequence[str] | None = None,
) -> MiniProgram:
    """Change the given fields (None leaves a field as it is). Every field is validated
    before any is applied, so one bad entry changes nothing."""
    mp, _ = load_mini_program(
        session, principal, mini_program_id, Permission.MINI_PROGRAM_EDIT, for_update=True
    )
    wanted: dict[str, Any] = {}
    if name is not None:
        wanted["name"] = rules.check_name(name)
    if description is not None:
        wanted["description"] = rules.check_description(description)
    if category is not None:
        wanted["category"] = rules.check_category(category)
    if server_domains is not None:
        wanted["server_domains"] = domains.validate_whitelist("server_domains", server_domains)
    if h5_domains is not None:
        wanted["h5_domains"] = domains.validate_whitelist("h5_domains", h5_domains)
    if tester_user_ids is not None:
        wanted["tester_user_ids"] = rules.check_tester_user_ids(tester_user_ids)
    changed = {key: value for key, value in wanted.items() if getattr(mp, key) != value}
    if not changed:
        return mp
    if "name" in changed:
        _ensure_name_free(session, mp.workspace_id, changed["name"], except_id=mp.id)
    before = {key: getattr(mp, key) for key in changed}
    for key, value in changed.items():
        setattr(mp, key, value)
    mp.updated_at = utcnow()
    session.flush()
    _record(session, principal, mp, "mini_program.update", before=before, after=changed)
    return mp


def set_icon(
    session: Session, principal: Principal, *, mini_program_id: str, data: bytes, content_type: str
) -> MiniProgram:
    mp, _ = load_mini_program(
        session, principal, mini_program_id, Permission.MINI_PROGRAM_EDIT, for_update=True
    )
    icon = rules.check_icon(data, content_type)
    before = {"sha256": mp.icon_sha256, "content_type": mp.icon_content_type}
    mp.icon = data
    mp.icon_sha256 = hashlib.sha256(data).hexdigest()
    mp.icon_content_type = icon.content_type
    mp.updated_at = utcnow()
    session.flush()
    after = {
        "sha256": mp.icon_sha256,
        "content_type": icon.content_type,
        "width": icon.width,
        "height": icon.height,
    }
    _record(session, principal, mp, "mini_program.icon.update", before=before, after=after)
    return mp


def get_icon(
    session: Session, principal: Principal, *, mini_program_id: str
) -> tuple[bytes, str, str]:
    """Return the icon's bytes, content type and sha256."""
    mp, _ = load_mini_program(session, principal, mini_program_id)
    if mp.icon is None or mp.icon_content_type is None or mp.icon_sha256 is None:
        raise NotFound("this mini program has no icon yet")
    return mp.icon, mp.icon_content_type, mp.icon_sha256


def delete_mini_program(session: Session, principal: Principal, *, mini_program_id: str) -> None:
    mp, _ = load_mini_program(
        session, principal, mini_program_id, Permission.MINI_PROGRAM_DELETE, for_update=True
    )
    before = snapshot(mp)
    _record(session, principal, mp, "mini_program.delete", before=before)
    session.delete(mp)
    session.flush()


def snapshot(mp: MiniProgram) -> dict[str, Any]:
    return {
        "app_id": mp.app_id,
        "workspace_id": mp.workspace_id,
        "release_target": mp.release_target,
        "name": mp.name,
        "description": mp.description,
        "category": mp.category,
        "icon_sha256": mp.icon_sha256,
        "server_domains": list(mp.server_domains),
        "h5_domains": list(mp.h5_domains),
        "tester_user_ids": list(mp.tester_user_ids),
    }


def _record(
    session: Session,
    principal: Principal,
    mp: MiniProgram,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=principal.user_id,
        action=action,
        target_type="mini_program",
        target_id=mp.id,
        workspace_id=mp.workspace_id,
        mini_program_id=mp.id,
        before=before,
        after=after,
    )


def _ensure_name_free(
    session: Session, workspace_id: str, name: str, *, except_id: str | None = None
) -> None:
    """Names are unique per workspace regardless of case ("Shop" and "shop" would confuse
    reviewers). Compared here, not in SQL, so SQLite and PostgreSQL fold case alike."""
    taken = session.scalars(
        select(MiniProgram.name).where(
            MiniProgram.workspace_id == workspace_id, MiniProgram.id != (except_id or "")
        )
    )
    if any(existing.casefold() == name.casefold() for existing in taken):
        raise Conflict(f"a mini program named {name!r} already exists in this workspace")


def _new_app_id(session: Session) -> str:
    """A random 16-digit public id starting with 2021, like Alipay's; retried on the rare
    collision (the unique constraint catches a concurrent one)."""
    for _ in range(_APP_ID_ATTEMPTS):
        digits = APP_ID_LENGTH - len(APP_ID_PREFIX)
        app_id = APP_ID_PREFIX + str(secrets.randbelow(10**digits)).zfill(digits)
        if session.scalar(select(MiniProgram.id).where(MiniProgram.app_id == app_id)) is None:
            return app_id
    raise Conflict("could not allocate a unique app_id; retry the request")
