"""``minirelease admin …``: operator commands run against the configured database."""

from __future__ import annotations

import argparse
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


def register(commands: Any) -> None:
    admin = commands.add_parser("admin", help="administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    create = admin_commands.add_parser(
        "create-user", help="create a user and print their API token (shown once)"
    )
    create.add_argument("email")
    create.add_argument("--platform-admin", action="store_true", help="grant platform_admin")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a console password from the first line of standard input",
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=_create_user)

    set_password = admin_commands.add_parser(
        "set-password", help="set a user's console password; their console sessions end"
    )
    set_password.add_argument("email")
    set_password.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from the first line of standard input",
    )
    set_password.set_defaults(handler=_set_password)


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


def _create_user(args: argparse.Namespace) -> int:
    password = _read_password() if args.password_stdin else None
    unit, engine = _uow()
    try:
        with unit as uow:
            user = accounts.create_user(
                uow.session, email=args.email, actor=CLI_ACTOR, platform_admin=args.platform_admin
            )
            if password is not None:
                signin.set_password(
                    uow.session, email=user.email, password=password, actor=CLI_ACTOR
                )
            _, secret = accounts.issue_token(uow.session, user=user, name="cli", actor=CLI_ACTOR)
            uow.commit()
    finally:
        engine.dispose()
    if args.json:
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
        print(
            f"created {user.email} ({user.id}){' as platform admin' if args.platform_admin else ''}"
        )
        if password is not None:
            print("console password set")
        print(f"API token (shown once): {secret}")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    password = _read_password()
    unit, engine = _uow()
    try:
        with unit as uow:
            user = signin.set_password(
                uow.session, email=args.email, password=password, actor=CLI_ACTOR
            )
            uow.commit()
    finally:
        engine.dispose()
    print(f"password set for {user.email}; their console sessions were ended")
    return 0
