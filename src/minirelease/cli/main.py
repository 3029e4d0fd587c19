"""The ``minirelease`` command: the server side (serve, demo, database, administration)
and the client commands a CI job or a person runs against a server's REST API.

Every command module imports only Typer and the client's own small modules at the top;
the server's dependencies load inside the server commands, so a client command starts
fast (benchmarks/cli_startup.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from minirelease.cli import (
    account_cmds,
    audit_cmds,
    compat_cmds,
    config_cmds,
    keys_cmds,
    program_cmds,
    qr_cmd,
    release_cmds,
    server_cmds,
    upload_cmd,
)
from minirelease.cli.exits import Exit

app = typer.Typer(
    name="minirelease",
    help="Build, test, review and release mini programs to partner apps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
server_cmds.register(app)
keys_cmds.register(app)
audit_cmds.register(app)
config_cmds.register(app)
account_cmds.register(app)
for _module in (program_cmds, upload_cmd, qr_cmd):
    _module.register(app)
release_cmds.register(app)
compat_cmds.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (documented in ``cli/exits.py``).
    Click's standalone mode prints usage errors and exits 2, which is ours too."""
    try:
        app(args=list(sys.argv[1:] if argv is None else argv), prog_name="minirelease")
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return int(stop.code or Exit.OK)
        print(stop.code, file=sys.stderr)
        return int(Exit.FAILED)
    return int(Exit.OK)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
