"""What every client command shares: its common options and the way it runs.

``connected`` gives a command its API client and output, and turns a ``CliError`` into
one line and the documented exit code, so commands hold only their own logic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from minirelease.cli import profiles
from minirelease.cli.exits import CliError
from minirelease.cli.http import ApiClient
from minirelease.cli.output import Output, print_error

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="MINIRELEASE_PROFILE",
        help="Stored profile to use (default: 'default').",
        show_envvar=False,
    ),
]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="MINIRELEASE_SERVER",
        help="Server base URL, overriding the profile's.",
        show_envvar=False,
    ),
]


@contextmanager
def reporting(json_mode: bool) -> Iterator[Output]:
    """An ``Output``; a ``CliError`` raised inside ends the command with its exit code."""
    out = Output(json_mode=json_mode)
    try:
        yield out
    except CliError as error:
        print_error(error, json_mode=json_mode)
        raise typer.Exit(int(error.exit_code)) from None


@contextmanager
def connected(
    json_mode: bool, profile: str | None, server: str | None
) -> Iterator[tuple[ApiClient, Output]]:
    with reporting(json_mode) as out, ApiClient(profiles.resolve(profile, server)) as api:
        yield api, out
