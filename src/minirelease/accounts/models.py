"""Users, their API tokens, console sessions and failed sign-ins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_platform_reviewer: Mapped[bool] = mapped_column(default=False)
    # argon2id (accounts/passwords.py); None: the user signs in with API tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # sha256 of the secret; the secret itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds a random secret; only its sha256 is kept, so
    a copy of the database opens no session."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    # The absolute end, whatever the activity; the idle end is last_seen_at + idle limit.
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class SignInFailure(Base):
    """One failed sign-in, counted against its email and its client to throttle guessing;
    ``subject`` is ``email:<address>`` or ``client:<address>``."""

    __tablename__ = "sign_in_failures"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(340), index=True)
    failed_at: Mapped[dt.datetime] = mapped_column(index=True)
