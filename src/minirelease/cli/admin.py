"""``minirelease admin …``: operator commands run against the configured database."""

from __future__ import annotations

import argparse
import json
from typing import Any

from minirelease.accounts import service as accounts
from minirelease.cli.server import prepare
from minirelease.config import load_settings
from minirelease.db import make_engine, make_session_factory
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
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=_create_user)


def _create_user(args: argparse.Namespace) -> int:
    settings = load_settings()
    prepare(settings)
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            user = accounts.create_user(
                uow.session, email=args.email, actor=CLI_ACTOR, platform_admin=args.platform_admin
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
                    "token": secret,
                }
            )
        )
    else:
        print(
            f"created {user.email} ({user.id}){' as platform admin' if args.platform_admin else ''}"
        )
        print(f"API token (shown once): {secret}")
    return 0
