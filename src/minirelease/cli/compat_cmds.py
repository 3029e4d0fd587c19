"""``compat run`` and ``compat report``: test a release's build over its partner app's
matrix of OS versions, networks and devices, and read the findings.

A report is judged against ``--fail-on``: exit 1 when its result (pass < warn < fail) is
at or above that bar, so a CI job can stop on a failing (or warning) package."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.http import ApiClient
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected
from minirelease.cli.output import Output
from minirelease.cli.release_cmds import ReleaseArg
from minirelease.cli.waiting import TimeoutOpt, WaitOpt, fail_after, wait_run


class Level(StrEnum):
    fail = "fail"
    warn = "warn"


_RANK = {"pass": 0, "warn": 1, "fail": 2}
# --matrix dimension names, singular or as the API spells them.
_DIMENSIONS = {
    "os": "os",
    "network": "networks",
    "networks": "networks",
    "device": "devices",
    "devices": "devices",
}


def narrowing(items: list[str]) -> dict[str, list[str]]:
    """``os=android-14,ios-17`` ``network=wifi`` … as the run's body; none means all."""
    body: dict[str, list[str]] = {}
    for item in items:
        key, sep, names = item.partition("=")
        dimension = _DIMENSIONS.get(key.strip())
        chosen = [name.strip() for name in names.split(",") if name.strip()]
        if not sep or dimension is None or not chosen:
            raise CliError(
                f"--matrix {item!r}: expected os=…, network=… or device=… with names",
                code="bad_option",
                exit_code=Exit.USAGE,
            )
        body.setdefault(dimension, []).extend(chosen)
    return body


def _where(finding: dict[str, Any]) -> str:
    if not finding.get("file"):
        return "(package)"
    place = [str(finding[key]) for key in ("line", "column") if finding.get(key) is not None]
    return ":".join([finding["file"], *place])


def show_report(out: Output, run: dict[str, Any]) -> None:
    report, summary = run.get("report") or {}, run.get("summary") or {}
    total = summary.get("cells", 0)
    findings = report.get("findings", [])
    if findings:
        out.table(
            ("SEVERITY", "RULE", "WHERE", "CELLS", "MESSAGE"),
            [
                (
                    f["severity"],
                    f["rule"],
                    _where(f),
                    f"{len(f['cells'])}/{total}",
                    f["message"],
                )
                for f in findings
            ],
        )
    out.line(
        f"{run['id']} ({run.get('scope') or 'unknown'} matrix): {summary.get('status')}"
        f" — {total} cells: {summary.get('pass')} pass, {summary.get('warn')} warn,"
        f" {summary.get('fail')} fail; {len(findings)} findings"
    )


def _check(run: dict[str, Any], fail_on: Level | None) -> dict[str, Any]:
    """The report's result against the bar; a run that did not finish fails it."""
    bar_name = fail_on.value if fail_on is not None else None
    if run["status"] != "finished":
        detail = f"run {run['id']} {run['status']}" + (f": {run['error']}" if run["error"] else "")
        return {"result": None, "fail_on": bar_name, "failed": True, "detail": detail}
    result = run["summary"]["status"]
    failed = fail_on is not None and _RANK[result] >= _RANK[fail_on.value]
    bar = f" (at or above --fail-on {fail_on.value})" if fail_on is not None else ""
    detail = f"the compatibility report is {result}{bar}"
    return {"result": result, "fail_on": bar_name, "failed": failed, "detail": detail}


def _end(check: dict[str, Any]) -> None:
    if check["failed"]:
        code = "compat_run_failed" if check["result"] is None else "compat_check_failed"
        raise fail_after(check["detail"], code)


def run(
    release_id: ReleaseArg,
    matrix: Annotated[
        list[str] | None,
        typer.Option(
            "--matrix",
            help="Narrow the matrix: os=android-14,ios-17 network=wifi device=low (repeatable;"
            " a narrowed run cannot open apply).",
        ),
    ] = None,
    wait: WaitOpt = False,
    fail_on: Annotated[
        Level, typer.Option("--fail-on", help="With --wait: exit 1 at or above this result.")
    ] = Level.fail,
    timeout: TimeoutOpt = 3600.0,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Start a compatibility run on the release's current build.

    With --wait, follows its progress, prints the findings and judges the report."""
    with connected(json_mode, profile, server) as (api, out):
        started = api.post(f"/releases/{release_id}/compatibility-runs", narrowing(matrix or []))
        cells = started["progress"]["cells_total"]
        if not wait:
            out.result(
                started,
                f"{started['id']} {started['status']} over {cells} cells"
                f" (minirelease compat report {release_id} --run {started['id']})",
            )
            return
        out.note(f"{started['id']}: testing {cells} cells")
        ended = wait_run(api, out, release_id, started["id"], timeout=timeout)
        check = _check(ended, fail_on)
        out.result({**ended, "check": check}, _human(ended))
        _end(check)


def _human(run: dict[str, Any]) -> Any:
    def human(out: Output) -> None:
        if run["status"] == "finished":
            show_report(out, run)
        else:
            out.line(f"{run['id']} {run['status']}: {run.get('error') or 'no report'}")

    return human


def _run_of(api: ApiClient, release_id: str, run_id: str | None) -> dict[str, Any]:
    if run_id is None:
        run_id = api.get(f"/releases/{release_id}")["compatibility"]["run_id"]
        if run_id is None:
            raise CliError(
                f"release {release_id} has no compatibility run yet: compat run {release_id}",
                code="no_compatibility_run",
            )
    run: dict[str, Any] = api.get(f"/releases/{release_id}/compatibility-runs/{run_id}")
    if run["status"] in ("queued", "running"):
        done = run["progress"]
        raise CliError(
            f"run {run_id} is {run['status']} ({done['cells_done']}/{done['cells_total']} cells):"
            " no report yet",
            code="report_pending",
        )
    return run


def report(
    release_id: ReleaseArg,
    run_id: Annotated[
        str | None, typer.Option("--run", help="A run of the release (default: the latest).")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Save the report as an HTML page here.")
    ] = None,
    fail_on: Annotated[
        Level | None, typer.Option("--fail-on", help="Exit 1 at or above this result.")
    ] = None,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
    json_mode: JsonOpt = False,
) -> None:
    """Print a finished run's findings, or save its HTML report."""
    with connected(json_mode, profile, server) as (api, out):
        ended = _run_of(api, release_id, run_id)
        check = _check(ended, fail_on)
        if html is None:
            out.result({**ended, "check": check}, _human(ended))
        else:
            page = api.request(
                "GET",
                f"/releases/{release_id}/compatibility-runs/{ended['id']}/report.html",
                headers={"Accept": "text/html"},
                expect_json=False,
            )
            html.write_bytes(page)
            saved = {"run_id": ended["id"], "file": str(html), "bytes": len(page)}
            out.result({**saved, "check": check}, f"saved the report of {ended['id']} to {html}")
        _end(check)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Compatibility runs and their reports.", no_args_is_help=True)
    group.command("run")(run)
    group.command("report")(report)
    app.add_typer(group, name="compat")
