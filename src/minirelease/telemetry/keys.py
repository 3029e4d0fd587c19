"""Partner app keys: what a partner app's backend authenticates telemetry with.

A key is random, starts with ``mrk_`` (user API tokens start with ``mr_``; neither is
accepted where the other is expected), is shown once at creation and stored only as its
sha256. Platform admins and the partner app's own reviewers create, list and revoke them."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Permission, Principal, require, roles_on_partner_app
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from minirelease.ids import new_id
from minirelease.pagination import Page, PageRequest, ascending, paginate
from minirelease.partners.models import PartnerApp
from minirelease.partners.service import get_partner_app
from minirelease.telemetry.models import PartnerAppKey

PREFIX = "mrk_"
HINT_LENGTH = len(PREFIX) + 4
MAX_ACTIVE_KEYS = 20


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _manageable(session: Session, principal: Principal, code: str) -> PartnerApp:
    require(roles_on_partner_app(principal, code), Permission.PARTNER_KEYS_MANAGE, what="key")
    return get_partner_app(session, code)


def _record(
    session: Session, principal: Principal, key: PartnerAppKey, app: PartnerApp, action: str
) -> None:
    audit.record(
        session,
        actor=principal.user_id,
        action=f"partner_key.{action}",
        target_type="partner_app_key",
        target_id=key.id,
        partner_app=app.code,
        before={"revoked": False} if action == "revoke" else None,
        after={"name": key.name, "hint": key.hint, "revoked": key.revoked_at is not None},
    )


def create_key(
    session: Session, principal: Principal, *, code: str, name: str
) -> tuple[PartnerAppKey, str]:
    """A new key and its secret, which is never retrievable again."""
    app = _manageable(session, principal, code)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("name: 1 to 100 characters", field="name")
    active = session.scalar(
        select(func.count())
        .select_from(PartnerAppKey)
        .where(PartnerAppKey.partner_app_id == app.id, PartnerAppKey.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_KEYS:
        raise Conflict(f"{code} has {MAX_ACTIVE_KEYS} active keys; revoke one first")
    secret = generate()
    key = PartnerAppKey(
        id=new_id("pak"),
        partner_app_id=app.id,
        name=name,
        key_hash=digest(secret),
        hint=secret[:HINT_LENGTH],
        created_by=principal.user_id,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    _record(session, principal, key, app, "create")
    return key, secret


def list_keys(
    session: Session, principal: Principal, *, code: str, page: PageRequest | None = None
) -> Page[PartnerAppKey]:
    app = _manageable(session, principal, code)
    query = select(PartnerAppKey).where(PartnerAppKey.partner_app_id == app.id)
    return paginate(session, query, [ascending(PartnerAppKey.id)], page)


def revoke_key(session: Session, principal: Principal, *, code: str, key_id: str) -> PartnerAppKey:
    """Revoke at once; revoking a revoked key changes nothing."""
    app = _manageable(session, principal, code)
    key = session.get(PartnerAppKey, key_id)
    if key is None or key.partner_app_id != app.id:
        raise NotFound(f"no key {key_id!r} on partner app {code!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        _record(session, principal, key, app, "revoke")
    return key


def authenticate(session: Session, secret: str | None) -> PartnerApp:
    """The partner app a key belongs to, or ``Unauthenticated``."""
    if not secret or not secret.startswith(PREFIX):
        raise Unauthenticated(
            f"a partner app key is required: Authorization: Bearer {PREFIX}… (user API tokens"
            " are not accepted here)"
        )
    row = session.execute(
        select(PartnerAppKey, PartnerApp)
        .join(PartnerApp, PartnerApp.id == PartnerAppKey.partner_app_id)
        .where(PartnerAppKey.key_hash == digest(secret))
    ).first()
    if row is None or row.PartnerAppKey.revoked_at is not None:
        raise Unauthenticated("the partner app key is invalid or revoked")
    app: PartnerApp = row.PartnerApp
    return app
