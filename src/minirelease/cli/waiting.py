"""What a release waits for: the server's background work (a build, a compatibility run),
which the commands' ``--wait`` follows, or a person, whom ``release status`` names.

Waiting polls ``GET`` reads (idempotent, so retried on 503) until the work has ended,
drawing a progress bar on a terminal, and gives back the last read to judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.http import ApiClient
from minirelease.cli.output import Output, print_error

POLL_SECONDS = 0.5
BUILD_ENDED = frozenset({"succeeded", "failed", "canceled"})
RUN_ENDED = frozenset({"finished", "failed", "canceled"})

WaitOpt = Annotated[bool, typer.Option("--wait", help="Wait until the work has ended.")]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", min=1, help="Give up waiting after this many seconds (exit 1)."),
]


def wait_builds(
    api: ApiClient, out: Output, release_ids: Sequence[str], *, timeout: float
) -> list[dict[str, Any]]:
    """Each release read once its current build has ended, in the order given."""
    ended: list[dict[str, Any]] = []
    with out.progress("building", len(release_ids)) as update:
        for release_id in release_ids:
            release = api.wait_for(
                f"/releases/{release_id}",
                lambda read: read["build"]["status"] in BUILD_ENDED,
                interval=POLL_SECONDS,
                timeout=timeout,
            )
            ended.append(release)
            update(len(ended), len(release_ids))
    for release in ended:
        build = release["build"]
        out.note(f"{release['id']}: build {build['number']} {build['status']}")
    return ended


def wait_run(
    api: ApiClient, out: Output, release_id: str, run_id: str, *, timeout: float
) -> dict[str, Any]:
    """The run once it has ended; the bar follows its ``cells_done / cells_total``."""
    with out.progress("testing cells", None) as update:

        def show(run: dict[str, Any]) -> None:
            progress = run["progress"]
            update(progress["cells_done"], progress["cells_total"])

        run: dict[str, Any] = api.wait_for(
            f"/releases/{release_id}/compatibility-runs/{run_id}",
            lambda read: read["status"] in RUN_ENDED,
            interval=POLL_SECONDS,
            timeout=timeout,
            on_poll=show,
        )
    return run


def fail_after(detail: str, code: str) -> typer.Exit:
    """For a command whose answer is printed but whose check failed: the error line on
    stderr, and the exit to raise (stdout keeps the one document already written)."""
    print_error(CliError(detail, code=code), json_mode=False)
    return typer.Exit(int(Exit.FAILED))


# Who acts next -------------------------------------------------------------------------


def reviews_text(reviews: dict[str, Any]) -> str:
    return ", ".join(
        f"{side} {review.get('decision') or 'pending'}"
        + (f" ({review['comment']})" if review.get("comment") else "")
        for side, review in reviews.items()
    )


def waiting_for(api: ApiClient, release: dict[str, Any]) -> dict[str, str | None]:
    """Who must act next on ``release`` and what for: ``{actor, detail}``; ``actor`` is
    ``team`` (the mini program's owner, masters, developers), ``reviewers``, ``platform``
    (the server's own jobs and clock) or None when the release is over."""
    status, rid = release["status"], release["id"]
    compat, build = release["compatibility"], release["build"]
    if status == "building":
        return _who("platform", f"build {build['number']} to finish ({build['status']})")
    if status == "build_failed":
        last = build["log"][-1] if build.get("log") else "see the build log"
        return _who("team", f"a configuration change to rebuild, or cancel (build failed: {last})")
    if status == "awaiting_test":
        return _who("team", f"a compatibility run: minirelease compat run {rid} --wait")
    if status == "testing":
        run = api.get(f"/releases/{rid}/compatibility-runs/{compat['run_id']}")
        done = run["progress"]
        return _who(
            "platform",
            f"compatibility run {run['id']} ({done['cells_done']}/{done['cells_total']} cells)",
        )
    if status in ("tested", "rejected"):
        return _who("team", _apply_hint(api, release))
    if status == "in_review":
        pending = [side for side, review in release["reviews"].items() if not review["decision"]]
        names = {
            "platform": "a platform reviewer",
            "partner": f"{release['partner_app']}'s reviewer",
        }
        return _who("reviewers", " and ".join(names[side] for side in pending) + " to decide")
    if status == "approved":
        return _who("team", "a pilot, a grayscale or a full release")
    if status == "pilot":
        testers = len(release["pilot_tester_ids"])
        return _who("team", f"the pilot's {testers} testers; then pilot --complete, or cancel")
    if status == "grayscale":
        return _grayscale_wait(release)
    if status == "released":
        return _who(None, f"nothing: online since {release['released_at']}")
    return _who(None, f"nothing: the release is {status.replace('_', ' ')} (final)")


def _who(actor: str | None, detail: str) -> dict[str, str | None]:
    return {"actor": actor, "detail": detail}


def _apply_hint(api: ApiClient, release: dict[str, Any]) -> str:
    """What apply needs (the compatibility gate), from the latest run's facts."""
    compat = release["compatibility"]
    prefix = (
        f"rejected ({reviews_text(release['reviews'])}); "
        if release["status"] == "rejected"
        else ""
    )
    if compat.get("scope") == "narrowed":
        return prefix + "a compatibility run over the whole matrix (the latest was narrowed)"
    summary = compat.get("summary") or {}
    if summary.get("status") == "fail":
        partner = api.get(f"/partner-apps/{release['partner_app']}")
        if partner.get("block_on_failing_report"):
            return prefix + (
                f"a passing compatibility report: {release['partner_app']} refuses failing ones"
            )
    return prefix + f"apply: minirelease release apply {release['id']}"


def _grayscale_wait(release: dict[str, Any]) -> dict[str, str | None]:
    ramp = release.get("ramp") or {}
    if release["halted"]:
        gate = ramp.get("gate") or {}
        by_gate = gate.get("status") == "halted" and gate.get("reason")
        reason = f"halted by the health gate: {gate['reason']}" if by_gate else "halted"
        return _who("team", f"resume or cancel ({reason})")
    if release["paused"]:
        return _who("team", "resume (the ramp is paused)")
    if ramp.get("status") == "active" and ramp.get("next_step_at"):
        return _who("platform", f"the ramp plan's next step at {ramp['next_step_at']}")
    return _who("team", f"a higher percentage or a full release (now {release['percentage']:g}%)")
