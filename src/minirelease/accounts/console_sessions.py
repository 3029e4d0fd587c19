"""Console sessions: opened by a sign-in, ended by sign-out, by idling past the idle limit
or at the absolute limit. The browser holds the secret; the database only its sha256."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts.models import ConsoleSession, User
from minirelease.db import utcnow
from minirelease.ids import new_id

# A session's last activity is written at most this often: not one write per page view.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLifetimes:
    idle: dt.timedelta = dt.timedelta(hours=2)
    absolute: dt.timedelta = dt.timedelta(hours=12)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(secret: str) -> str:
    """The session's CSRF token: derived from its secret, so it needs no storage, and an
    attacker who cannot read the cookie cannot compute it."""
    return hmac.new(secret.encode("utf-8"), b"minirelease csrf", hashlib.sha256).hexdigest()


def open_session(
    session: Session, user: User, lifetimes: SessionLifetimes, *, now: dt.datetime | None = None
) -> tuple[ConsoleSession, str]:
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    row = ConsoleSession(
        id=new_id("ses"),
        user_id=user.id,
        secret_hash=_digest(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetimes.absolute,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor=user.id, action="session.open", target_type="user", target_id=user.id
    )
    return row, secret


def resume_session(
    session: Session,
    secret: str | None,
    lifetimes: SessionLifetimes,
    *,
    now: dt.datetime | None = None,
) -> User | None:
    """The signed-in user, or None when the secret is unknown, revoked or expired (idle or
    absolute). Marks the session active; the caller commits."""
    if not secret:
        return None
    now = now or utcnow()
    row = session.execute(
        select(ConsoleSession, User)
        .join(User, User.id == ConsoleSession.user_id)
        .where(ConsoleSession.secret_hash == _digest(secret))
    ).first()
    if row is None:
        return None
    console_session, user = row[0], row[1]
    if (
        console_session.revoked_at is not None
        or now >= console_session.expires_at
        or now >= console_session.last_seen_at + lifetimes.idle
    ):
        return None
    if now - console_session.last_seen_at >= TOUCH_EVERY:
        console_session.last_seen_at = now
    return user


def close_session(session: Session, secret: str | None, *, now: dt.datetime | None = None) -> None:
    """Sign-out: the session is revoked for good, whatever copy of the cookie exists."""
    if not secret:
        return
    row = session.scalar(
        select(ConsoleSession).where(ConsoleSession.secret_hash == _digest(secret))
    )
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = now or utcnow()
    audit.record(
        session,
        actor=row.user_id,
        action="session.close",
        target_type="user",
        target_id=row.user_id,
    )


def close_user_sessions(session: Session, user_id: str, *, now: dt.datetime | None = None) -> None:
    """Every open session of a user, as when their password changes."""
    now = now or utcnow()
    for row in session.scalars(
        select(ConsoleSession).where(
            ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None)
        )
    ):
        row.revoked_at = now


def prune(session: Session, *, now: dt.datetime | None = None) -> None:
    """Forget sessions that ended: past their absolute end, or revoked."""
    now = now or utcnow()
    session.execute(
        delete(ConsoleSession).where(
            or_(ConsoleSession.expires_at <= now, ConsoleSession.revoked_at.is_not(None))
        )
    )
