"""The ``minirelease`` command: server, database, administration and the demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from minirelease.cli import admin, demo, server
from minirelease.errors import DomainError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minirelease",
        description="Build, test, review and release mini programs to partner apps.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server.register(commands)
    demo.register(commands)
    admin.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
