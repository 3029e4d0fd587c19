"""``release``: create releases (one per partner app), their build configuration, apply,
review, and read where a release stands and who must act next.

The rollout actions (pilot, grayscale, pause… rollback, remove) live in rollout_cmds.py
and join the same ``release`` group."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected
from minirelease.cli.output import Output
from minirelease.cli.waiting import (
    TimeoutOpt,
    WaitOpt,
    fail_after,
    reviews_text,
    wait_builds,
    waiting_for,
)

ReleaseArg = Annotated[
    str, typer.Argument(help="The release's id (`release create` prints it).", show_default=False)
]
MiniProgramOpt = Annotated[
    str, typer.Option("--mini-program", help="The mini program's id.", show_default=False)
]


class Side(StrEnum):
    platform = "platform"
    partner = "partner"


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


# Reading ---------------------------------------------------------------------------------


def release_line(release: dict[str, Any]) -> str:
    """``rel_…  1.1.0 → superapp  grayscale 10% (paused)``"""
    state = release["status"]
    if state == "grayscale":
        state += f" {release['percentage']:g}%"
    flags = [name for name in ("paused", "halted") if release.get(name)]
    if flags:
        state += f" ({', '.join(flags)})"
    return f"{release['id']}  {release['version']} → {release['partner_app']}  {state}"


def show_release(out: Output, release: dict[str, Any]) -> None:
    out.line(release_line(release))


def _compat_text(compat: dict[str, Any]) -> str:
    if compat.get("run_id") is None:
        return "no run yet"
    text = f"{compat['run_id']} {compat['status']}"
    if compat.get("scope"):
        text += f" ({compat['scope']} matrix)"
    summary = compat.get("summary")
    if summary:
        text += (
            f": {summary['status']} ({summary['cells']} cells: {summary['pass']} pass,"
            f" {summary['warn']} warn, {summary['fail']} fail; {summary['findings']} findings)"
        )
    return text


def _ramp_text(ramp: dict[str, Any]) -> str:
    steps = ramp["steps"]
    step = min(ramp["current_step"], len(steps) - 1)
    text = f"plan {ramp['status']}, step {step + 1}/{len(steps)} ({steps[step]['percentage']:g}%)"
    if ramp.get("gate"):
        text += f", health gate {ramp['gate']['status']}"
    return text


def show_status(
    release_id: ReleaseArg,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Show a release's step and what it is waiting for (who must act next)."""
    with connected(json_mode, profile, server) as (api, out):
        release = api.get(f"/releases/{release_id}")
        release["waiting_for"] = waiting_for(api, release)

        def human(o: Output) -> None:
            wait = release["waiting_for"]
            who = f"{wait['actor']}: " if wait["actor"] else ""
            build = release["build"]
            o.fields(
                [
                    ("release", release_line(release)),
                    ("mini program", release["mini_program_id"]),
                    ("build", f"#{build['number']} {build['status']}"),
                    ("compatibility", _compat_text(release["compatibility"])),
                    ("reviews", reviews_text(release["reviews"])),
                    *([("ramp", _ramp_text(release["ramp"]))] if release.get("ramp") else []),
                    ("waiting for", who + str(wait["detail"])),
                    ("allowed", ", ".join(release["allowed_actions"]) or "nothing"),
                ]
            )

        out.result(release, human)


def list_releases(
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Only this status (repeatable).")
    ] = None,
    partner_app: Annotated[
        str | None, typer.Option("--partner-app", help="Only to this partner app.")
    ] = None,
    mini_program: Annotated[
        str | None, typer.Option("--mini-program", help="Only of this mini program.")
    ] = None,
    awaiting_review: Annotated[
        Side | None, typer.Option("--awaiting-review", help="A review queue: this side pending.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """List the releases you may see, newest first."""
    with connected(json_mode, profile, server) as (api, out):
        items = api.all_pages(
            "/releases",
            limit=limit,
            status=status or None,
            partner_app=partner_app,
            mini_program_id=mini_program,
            awaiting_review=awaiting_review.value if awaiting_review else None,
        )
        rows = [
            (
                r["id"],
                r["mini_program_id"],
                r["version"],
                r["partner_app"],
                r["status"],
                f"{r['percentage']:g}",
                r["created_at"],
            )
            for r in items
        ]
        columns = ("ID", "MINI PROGRAM", "VERSION", "PARTNER APP", "STATUS", "%", "CREATED")
        out.result(items, lambda o: o.table(columns, rows))


# Acting ----------------------------------------------------------------------------------


def create(
    mini_program: MiniProgramOpt,
    version: Annotated[str, typer.Option("--version", help="An uploaded version.")],
    partner_app: Annotated[
        list[str], typer.Option("--partner-app", help="A partner app's code (repeatable).")
    ],
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 3600.0,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Create one release of VERSION per partner app; each starts building.

    With --wait, waits for every build and exits 1 if one failed."""
    with connected(json_mode, profile, server) as (api, out):
        created: list[dict[str, Any]] = []
        try:
            for code in partner_app:
                body = {"version": version, "partner_app": code}
                created.append(api.post(f"/mini-programs/{mini_program}/releases", body))
        except CliError as error:
            if not created:
                raise
            # The releases made before the refusal exist: name them, for a retry to skip.
            made = ", ".join(f"{r['id']} ({r['partner_app']})" for r in created)
            error.detail += f" (already created: {made})"
            raise
        if wait:
            created = wait_builds(api, out, [r["id"] for r in created], timeout=timeout)
        out.result(created, lambda o: _release_table(o, created))
        failed = [r["id"] for r in created if r["build"]["status"] == "failed"]
        if failed:
            raise fail_after(f"build failed: {', '.join(failed)}", "build_failed")


def _release_table(out: Output, releases: list[dict[str, Any]]) -> None:
    out.table(
        ("ID", "VERSION", "PARTNER APP", "STATUS", "BUILD"),
        [
            (
                r["id"],
                r["version"],
                r["partner_app"],
                r["status"],
                f"#{r['build']['number']} {r['build']['status']}",
            )
            for r in releases
        ],
    )


def json_file(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(
            f"cannot read {what} from {path}: {exc}", code="bad_file", exit_code=Exit.USAGE
        ) from None
    if not isinstance(value, dict):
        raise CliError(
            f"{path}: {what} must be a JSON object", code="bad_file", exit_code=Exit.USAGE
        )
    return value


def _assignment(text: str) -> tuple[str, Any]:
    """``key=value``; the value read as JSON when it is (true, 3), else as text."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise CliError(
            f"--set {text!r}: expected key=value", code="bad_option", exit_code=Exit.USAGE
        )
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def config_show(
    release_id: ReleaseArg,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Show a release's build configuration."""
    with connected(json_mode, profile, server) as (api, out):
        config = api.get(f"/releases/{release_id}/configuration")
        out.result(config, lambda o: o.fields(sorted(config.items())))


def config_set(
    release_id: ReleaseArg,
    file: Annotated[
        Path | None, typer.Option("--file", help="A JSON object of settings to change.")
    ] = None,
    assignments: Annotated[
        list[str] | None, typer.Option("--set", help="key=value (repeatable; after --file).")
    ] = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 3600.0,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Change a release's build configuration; a change rebuilds the release."""
    with connected(json_mode, profile, server) as (api, out):
        changes = json_file(file, "a configuration") if file is not None else {}
        changes.update(_assignment(text) for text in assignments or ())
        if not changes:
            raise CliError(
                "nothing to change: give --file or --set", code="bad_option", exit_code=Exit.USAGE
            )
        release = api.put(f"/releases/{release_id}/configuration", changes)
        if wait:
            (release,) = wait_builds(api, out, [release_id], timeout=timeout)
        out.result(release, lambda o: show_release(o, release))
        if release["build"]["status"] == "failed":
            raise fail_after(f"build failed: {release_id}", "build_failed")


def apply(
    release_id: ReleaseArg,
    basic_info: Annotated[
        Path | None,
        typer.Option("--basic-info", help="A JSON object: name, description, category."),
    ] = None,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Apply to release: send the release to review (needs a finished whole-matrix run)."""
    with connected(json_mode, profile, server) as (api, out):
        body = {"basic_info": json_file(basic_info, "basic info")} if basic_info else {}
        release = api.post(f"/releases/{release_id}/apply", body)
        out.result(release, lambda o: show_release(o, release))


def review(
    decision: Annotated[Decision, typer.Argument(help="approve or reject.")],
    release_id: ReleaseArg,
    side: Annotated[Side, typer.Option("--side", help="The side you review for.")],
    reason: Annotated[str, typer.Option("--reason", help="A comment for the team.")] = "",
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Approve or reject a release request for the platform or the partner app side."""
    with connected(json_mode, profile, server) as (api, out):
        body = {"side": side.value, "decision": decision.value, "comment": reason}
        release = api.post(f"/releases/{release_id}/reviews", body)
        out.result(release, lambda o: show_release(o, release))


def register(app: typer.Typer) -> None:
    # Imported here: the rollout commands use this module's helpers.
    from minirelease.cli import rollout_cmds

    group = typer.Typer(help="Create, test, review and roll out releases.", no_args_is_help=True)
    for name, command in (
        ("create", create),
        ("status", show_status),
        ("list", list_releases),
        ("apply", apply),
        ("review", review),
    ):
        group.command(name)(command)
    config = typer.Typer(help="A release's build configuration.", no_args_is_help=True)
    config.command("show")(config_show)
    config.command("set")(config_set)
    group.add_typer(config, name="config")
    rollout_cmds.register(group)
    app.add_typer(group, name="release")
