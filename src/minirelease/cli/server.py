"""``minirelease serve`` and ``minirelease db upgrade``."""

from __future__ import annotations

import argparse
from typing import Any

from minirelease import migrate, scratch
from minirelease.config import Settings, load_settings


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the API server (migrates the database first)")
    add_listen_options(serve)
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="apply all migrations")
    upgrade.set_defaults(handler=_upgrade)


def add_listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")


def prepare(settings: Settings) -> None:
    settings.ensure_dirs()
    # Half-received uploads and half-written builds of processes that were killed.
    scratch.sweep(settings.tmp_dir)
    migrate.upgrade(settings.database_url)


def run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from minirelease.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    prepare(settings)
    run_server(settings, args.host, args.port)
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    prepare(settings)
    print(f"database at head: {settings.database_url}")
    return 0
