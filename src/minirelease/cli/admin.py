"""``minirelease admin …``: operator commands run against the configured database."""

from __future__ import annotations

import json
import sys
from typing import Any

from minirelease.accounts import service as accounts
from minirelease.accounts import signin
from minirelease.cli.server import prepare
from minirelease.config import load_settings
from minirelease.db import make_engine, make_session_factory
from minirelease.errors import ValidationFailed
from minirelease.uow import UnitOfWork

CLI_ACTOR = "system:cli"


def _read_password() -> str:
    """The first line of standard input, without its line ending: never an argument, which
    other users could read in the process list and the shell's history."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValidationFailed("no password on standard input")
    return password


def _uow() -> tuple[UnitOfWork, Any]:
    settings = load_settings()
    prepare(settings)
    engine = make_engine(settings.database_url)
    return UnitOfWork(make_session_factory(engine)), engine


def create_user(email: str, *, platform_admin: bool, password_stdin: bool, as_json: bool) -> None:
    password = _read_password() if password_stdin else None
    unit, engine = _uow()
    try:
        with unit as uow:
            user = accounts.create_user(
                uow.session, email=email, actor=CLI_ACTOR, platform_admin=platform_admin
            )
            if password is not None:
                signin.set_password(
                    uow.session, email=user.email, password=password, actor=CLI_ACTOR
                )
            _, secret = accounts.issue_token(uow.session, user=user, name="cli", actor=CLI_ACTOR)
            uow.commit()
    finally:
        engine.dispose()
    if as_json:
        print(
            json.dumps(
                {
                    "id": user.id,
                    "email": user.email,
                    "is_platform_admin": user.is_platform_admin,
                    "has_password": password is not None,
                    "token": secret,
                }
            )
        )
    else:
        print(f"created {user.email} ({user.id}){' as platform admin' if platform_admin else ''}")
        if password is not None:
            print("console password set")
        print(f"API token (shown once): {secret}")


def set_password(email: str) -> None:
    password = _read_password()
    unit, engine = _uow()
    try:
        with unit as uow:
            user = signin.set_password(uow.session, email=email, password=password, actor=CLI_ACTOR)
            uow.commit()
    finally:
        engine.dispose()
    print(f"password set for {user.email}; their console sessions were ended")
