"""``minirelease config check``: the effective configuration (secrets masked), and exit
code 1 when it is invalid. Read from this process's environment, as serve and worker
would read it; nothing is started or written."""

from __future__ import annotations

import os

import typer

from minirelease.cli.exits import Exit
from minirelease.cli.options import JsonOpt
from minirelease.cli.output import Output


def check(json_mode: JsonOpt = False) -> None:
    """Print the effective configuration with secrets masked; exit 1 when it is invalid."""
    from minirelease.config_report import check as check_config
    from minirelease.config_report import text

    report = check_config(os.environ)
    out = Output(json_mode=json_mode)

    def human(o: Output) -> None:
        # One line per setting: its variable and value, and whether that is the default.
        o.fields(
            [
                (row.variable, text(row.value) + ("" if row.set else "  (default)"))
                for row in report.rows
            ]
        )
        for problem in report.problems:
            typer.echo(f"error: {problem}", err=True)
        o.line("configuration is valid" if report.valid else "configuration is INVALID")

    out.result(report.as_json(), human)
    if not report.valid:
        raise typer.Exit(int(Exit.FAILED))


def register(app: typer.Typer) -> None:
    config = typer.Typer(help="The server's configuration.", no_args_is_help=True)
    config.command("check")(check)
    app.add_typer(config, name="config")
