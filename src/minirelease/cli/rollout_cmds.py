"""The ``release`` commands that take an approved release to users and back: pilot,
grayscale (with an optional ramp plan), pause, resume, halt, full, cancel, withdraw; and
per mini program and partner app: rollback and removal."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected
from minirelease.cli.output import Output
from minirelease.cli.release_cmds import (
    Decision,
    MiniProgramOpt,
    ReleaseArg,
    json_file,
    release_line,
    show_release,
)

PartnerAppOpt = Annotated[
    str, typer.Option("--partner-app", help="The partner app's code.", show_default=False)
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why, for the record.")]

# Actions that take nothing but the release: (command, API path, help), as the server's
# own table of plain actions (api/routers/releases.py).
PLAIN_ACTIONS = (
    ("pause", "pause", "Freeze the grayscale ramp; users keep their version."),
    ("resume", "resume", "Resume a paused or halted grayscale."),
    ("halt", "halt", "Serve nobody the new version until resumed."),
    ("full", "full-release", "Release to everyone now."),
    ("cancel", "cancel", "Cancel the release: everyone stays on the online version."),
    ("withdraw", "withdraw", "Withdraw a release request under review."),
)


def _plain(path: str, summary: str) -> Callable[..., None]:
    def command(
        release_id: ReleaseArg,
        profile: ProfileOpt = None,
        server: ServerOpt = None,
        json_mode: JsonOpt = False,
    ) -> None:
        with connected(json_mode, profile, server) as (api, out):
            release = api.post(f"/releases/{release_id}/{path}")
            out.result(release, lambda o: show_release(o, release))

    command.__doc__ = summary
    return command


def _testers(listed: list[str], file: Path | None) -> list[str]:
    """Tester ids from ``--testers`` (comma-separated, repeatable) and a file (one a line,
    ``#`` starts a comment), in order, each once."""
    names = [name for item in listed for name in item.split(",")]
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(
                f"cannot read testers from {file}: {exc}", code="bad_file", exit_code=Exit.USAGE
            ) from None
        names += [line.split("#", 1)[0] for line in text.splitlines()]
    return list(dict.fromkeys(name.strip() for name in names if name.strip()))


def pilot(
    release_id: ReleaseArg,
    testers: Annotated[
        list[str] | None,
        typer.Option("--testers", help="Tester user ids, comma-separated (repeatable)."),
    ] = None,
    testers_file: Annotated[
        Path | None, typer.Option("--testers-file", help="Tester user ids, one a line.")
    ] = None,
    complete: Annotated[
        bool, typer.Option("--complete", help="End the pilot: back to release preparation.")
    ] = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Start a pilot for the testers given, replace a running pilot's testers, or end it."""
    with connected(json_mode, profile, server) as (api, out):
        chosen = _testers(testers or [], testers_file)
        if complete == bool(chosen):
            raise CliError(
                "give testers (--testers or --testers-file) or --complete, not both",
                code="bad_option",
                exit_code=Exit.USAGE,
            )
        if complete:
            release = api.post(f"/releases/{release_id}/pilot/complete")
        else:
            release = api.post(f"/releases/{release_id}/pilot", {"tester_user_ids": chosen})
        out.result(release, lambda o: show_release(o, release))


_PLAIN_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def percentage_number(text: str) -> int | float:
    """PERCENTAGE as the JSON number the server wants (it refuses text): plain decimal
    digits only, so nothing like ``1e2`` or ``nan`` is read as a share of users. A float
    goes out in its shortest form, which the server reads as that exact decimal; the
    server checks the range and the steps of 0.01."""
    value: int | float | None = None
    if _PLAIN_DECIMAL.fullmatch(text):
        value = float(text) if "." in text else int(text)
    # Digits a float cannot hold would be rounded away unseen: refused instead.
    if value is None or Decimal(str(value)) != Decimal(text):
        raise CliError(
            f"PERCENTAGE must be a number such as 5 or 0.5 (0.01 to 100), not {text!r}",
            code="bad_option",
            exit_code=Exit.USAGE,
        )
    return value


def grayscale(
    release_id: ReleaseArg,
    percentage: Annotated[
        str | None,
        typer.Argument(help="0.01 to 100; only goes up; 100 releases fully.", show_default=False),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="A ramp plan (JSON: steps [{percentage, hold_minutes}], gate?) when starting.",
        ),
    ] = None,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Start a grayscale at PERCENTAGE (or with a ramp plan), or raise it."""
    with connected(json_mode, profile, server) as (api, out):
        if percentage is None and plan is None:
            raise CliError("give a PERCENTAGE or a --plan", code="bad_option", exit_code=Exit.USAGE)
        body: dict[str, Any] = {}
        if percentage is not None:
            body["percentage"] = percentage_number(percentage)
        if plan is not None:
            body["plan"] = json_file(plan, "a ramp plan")
        release = api.post(f"/releases/{release_id}/grayscale", body)
        out.result(release, lambda o: show_release(o, release))


def _show_listing(out: Output, listing: dict[str, Any]) -> None:
    online, active = listing.get("online"), listing.get("active_release")
    removal = listing.get("removal") or {}
    out.fields(
        [
            ("mini program", f"{listing['mini_program_id']} on {listing['partner_app']}"),
            ("online", f"{online['version']} ({online['id']})" if online else "nothing"),
            ("active release", release_line(active) if active else "none"),
            ("removal", removal.get("status") or "none"),
        ]
    )


def _pair(mini_program: str, partner_app: str) -> str:
    return f"/mini-programs/{mini_program}/partner-apps/{partner_app}"


def rollback(
    mini_program: MiniProgramOpt,
    partner_app: PartnerAppOpt,
    version: Annotated[
        str | None,
        typer.Option("--version", help="A recently released version (default: the one before)."),
    ] = None,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Put a previously released version back online on a partner app."""
    with connected(json_mode, profile, server) as (api, out):
        body = {"version": version} if version else {}
        listing = api.post(f"{_pair(mini_program, partner_app)}/rollback", body)
        out.result(listing, lambda o: _show_listing(o, listing))


def remove(
    mini_program: MiniProgramOpt,
    partner_app: PartnerAppOpt,
    reason: ReasonOpt = "",
    force: Annotated[
        bool,
        typer.Option("--force", help="Remove at once, without review (platform admins)."),
    ] = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Ask to remove a mini program from a partner app (its reviewer decides)."""
    with connected(json_mode, profile, server) as (api, out):
        action = "force-removal" if force else "removal"
        listing = api.post(f"{_pair(mini_program, partner_app)}/{action}", {"reason": reason})
        out.result(listing, lambda o: _show_listing(o, listing))


def review_removal(
    decision: Annotated[Decision, typer.Argument(help="approve or reject.")],
    mini_program: MiniProgramOpt,
    partner_app: PartnerAppOpt,
    reason: ReasonOpt = "",
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Approve or reject a removal request (the partner app's reviewers)."""
    with connected(json_mode, profile, server) as (api, out):
        body = {"decision": decision.value, "comment": reason}
        listing = api.post(f"{_pair(mini_program, partner_app)}/removal/review", body)
        out.result(listing, lambda o: _show_listing(o, listing))


def register(group: typer.Typer) -> None:
    """Add these commands to the ``release`` group."""
    group.command("pilot")(pilot)
    group.command("grayscale")(grayscale)
    for name, path, summary in PLAIN_ACTIONS:
        group.command(name, help=summary)(_plain(path, summary))
    group.command("rollback")(rollback)
    group.command("remove")(remove)
    group.command("review-removal")(review_removal)
