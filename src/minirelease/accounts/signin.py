"""Signing in to the console with an email and a password, throttled per email and per
client, and setting passwords (by an operator, or by a user accepting an invitation)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts import console_sessions, passwords
from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.models import ConsoleSession, SignInFailure, User
from minirelease.accounts.service import normalize_email
from minirelease.db import utcnow
from minirelease.errors import NotFound, RateLimited, ValidationFailed
from minirelease.ids import new_id


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed within ``window`` before further tries wait."""

    per_email: int = 5
    per_client: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class SignedIn:
    user: User
    session: ConsoleSession
    secret: str


def _subjects(email: str, client: str) -> tuple[tuple[str, str], ...]:
    return (("email", f"email:{email}"), ("client", f"client:{client}"))


def _check_throttle(
    session: Session, email: str, client: str, limits: SignInLimits, now: dt.datetime
) -> None:
    since = now - limits.window
    for kind, subject in _subjects(email, client):
        limit = limits.per_email if kind == "email" else limits.per_client
        count, oldest = session.execute(
            select(func.count(), func.min(SignInFailure.failed_at)).where(
                SignInFailure.subject == subject, SignInFailure.failed_at > since
            )
        ).one()
        if count >= limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
            wait = max(1, math.ceil((oldest + limits.window - now).total_seconds()))
            raise RateLimited(
                f"too many failed sign-ins for this {kind}; try again in {wait} seconds",
                retry_after=wait,
            )


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    client: str,
    limits: SignInLimits,
    lifetimes: SessionLifetimes,
    now: dt.datetime | None = None,
) -> SignedIn | None:
    """A new session, or None when the email or password is wrong (the failure is recorded
    for the caller to commit: a refused sign-in still counts). ``RateLimited`` before any
    password is checked once either limit is reached."""
    now = now or utcnow()
    try:
        email = normalize_email(email)
    except ValidationFailed:
        email = email.strip().lower()[:320]
    _check_throttle(session, email, client, limits, now)
    user = session.scalar(select(User).where(User.email == email))
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        for _, subject in _subjects(email, client):
            session.add(SignInFailure(id=new_id("sif"), subject=subject, failed_at=now))
        session.flush()
        return None
    # A success clears the email's count (not the client's: one client guessing many
    # accounts stays throttled).
    session.execute(delete(SignInFailure).where(SignInFailure.subject == f"email:{email}"))
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - limits.window))
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    console_sessions.prune(session, now=now)
    row, secret = console_sessions.open_session(session, user, lifetimes, now=now)
    return SignedIn(user, row, secret)


def set_password(session: Session, *, email: str, password: str, actor: str) -> User:
    """Set or replace a user's password; their open console sessions end."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"no user with email {email}")
    had_password = user.password_hash is not None
    user.password_hash = passwords.hash_password(password)
    console_sessions.close_user_sessions(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="user.password.set",
        target_type="user",
        target_id=user.id,
        before={"has_password": had_password},
        after={"has_password": True},
    )
    return user
