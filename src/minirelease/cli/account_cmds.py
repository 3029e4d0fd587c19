"""``login``, ``logout``, ``whoami`` and ``workspaces``: who the client acts as, where."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated, Any

import typer

from minirelease.cli import profiles
from minirelease.cli.exits import CliError, Exit
from minirelease.cli.http import ApiClient
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected, reporting
from minirelease.cli.output import Output


def _read_token() -> str:
    """``MINIRELEASE_TOKEN``, else standard input: piped (``--token-stdin`` style, as
    ``docker login`` reads a password) or typed at a hidden prompt. Never an argument,
    which the process list and shell history would keep."""
    token = os.environ.get("MINIRELEASE_TOKEN")
    if not token:
        typed = sys.stdin.isatty()
        token = getpass.getpass("API token: ") if typed else sys.stdin.readline()
    token = token.strip()
    if not token:
        raise CliError(
            "no token: pipe it on standard input or set MINIRELEASE_TOKEN",
            code="token_missing",
            exit_code=Exit.USAGE,
        )
    return token


def _show_user(me: dict[str, Any], server: str) -> Any:
    def human(out: Output) -> None:
        roles = [
            *(["platform admin"] if me.get("is_platform_admin") else []),
            *(["platform reviewer"] if me.get("is_platform_reviewer") else []),
            *(f"partner reviewer of {code}" for code in me.get("partner_reviewer_of", [])),
        ]
        out.fields([("user", f"{me['email']} ({me['id']})"), ("server", server)])
        if roles:
            out.fields([("roles", ", ".join(roles))])

    return human


def login(
    server: Annotated[
        str,
        typer.Option(
            "--server", envvar="MINIRELEASE_SERVER", help="Server base URL.", show_envvar=False
        ),
    ],
    profile: ProfileOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Check an API token against SERVER and store both under a profile (file mode 0600).

    The token comes from MINIRELEASE_TOKEN or standard input."""
    with reporting(json_mode) as out:
        name = profile or profiles.DEFAULT_PROFILE
        candidate = profiles.Profile(name=name, server=server.rstrip("/"), token=_read_token())
        with ApiClient(candidate) as api:
            me = api.get("/me")
        path = profiles.save(candidate)
        out.note(f"logged in to {candidate.server} as {me['email']} (profile {name!r}, {path})")
        out.result(
            {"profile": name, "server": candidate.server, "user": me, "config": str(path)},
            _show_user(me, candidate.server),
        )


def logout(profile: ProfileOpt = None, json_mode: JsonOpt = False) -> None:
    """Forget a profile's server and token (the token itself stays valid on the server)."""
    with reporting(json_mode) as out:
        name = profile or profiles.DEFAULT_PROFILE
        removed = profiles.forget(name)
        out.result(
            {"profile": name, "removed": removed},
            f"logged out of profile {name!r}" if removed else f"no profile {name!r} was stored",
        )


def whoami(
    profile: ProfileOpt = None, server: ServerOpt = None, json_mode: JsonOpt = False
) -> None:
    """Show the user the stored (or MINIRELEASE_TOKEN) token belongs to."""
    with connected(json_mode, profile, server) as (api, out):
        me = api.get("/me")
        out.result(me, _show_user(me, api.profile.server))


def workspaces(
    profile: ProfileOpt = None, server: ServerOpt = None, json_mode: JsonOpt = False
) -> None:
    """List the workspaces you belong to, with your role in each."""
    with connected(json_mode, profile, server) as (api, out):
        items = api.all_pages("/workspaces")
        out.result(
            items,
            lambda o: o.table(
                ("ID", "NAME", "ROLE"), [(w["id"], w["name"], w.get("role")) for w in items]
            ),
        )


def register(app: typer.Typer) -> None:
    for command in (login, logout, whoami, workspaces):
        app.command()(command)
