"""The release page's compatibility section: the release's run (its progress while it
works, its report once finished), the latest runs, whether they covered the partner app's
whole matrix (only such a run lets the release apply), and the choices "Test
Compatibility" may be narrowed to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from minirelease.compat.matrix import FULL
from minirelease.errors import ValidationFailed
from minirelease.releases.allowed import ENDPOINTS
from minirelease.releases.compat_choices import (
    MatrixChoices,
    Narrowing,
    choices_for,
    narrowing_of,
    recent_runs,
)
from minirelease.releases.compat_gate import gate_run, recorded_scope
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.releases.state import Action
from minirelease.web.routes.report_view import (
    domains_called,
    flagged_domains,
    report_view,
    status_class,
)

RUN_UNDER_WAY = frozenset({"queued", "running"})
RUNS_LISTED = 5


def describe(narrowing: Narrowing) -> str:
    """ "the whole matrix", or what a narrowed run took: "OS android-10 · every network ·
    device mid"."""
    if narrowing.whole:
        return "the whole matrix"
    parts = []
    for label, every, chosen in (
        ("OS", "every OS", narrowing.os),
        ("network", "every network", narrowing.networks),
        ("device", "every device", narrowing.devices),
    ):
        parts.append(every if chosen is None else f"{label} {', '.join(chosen)}")
    return " · ".join(parts)


def _run_row(run: CompatibilityRun, release: Release) -> dict[str, Any]:
    scope = recorded_scope(run)
    summary = run.summary or {}
    return {
        "id": run.id,
        "status": run.status,
        "scope": scope,
        "whole": scope == FULL,
        "verdict": status_class(summary.get("status")) if summary else None,
        "build_number": run.build_number,
        "current_build": run.build_number == release.build_number,
        "created_at": run.created_at,
        "has_report": run.status == "finished",
        "report_url": f"/releases/{release.id}/compatibility-runs/{run.id}/report",
    }


def _shown_run(
    run: CompatibilityRun, release: Release, choices: MatrixChoices | None
) -> dict[str, Any]:
    row = _run_row(run, release)
    total = max(run.cells_total, 0)
    done = min(run.cells_done, total)
    narrowing = narrowing_of(run, choices)
    return {
        **row,
        # A run from before scopes were recorded counts as whole if it covered every cell.
        "whole": row["whole"] or (row["scope"] is None and narrowing.whole),
        "active": run.status in RUN_UNDER_WAY,
        "cells_done": done,
        "cells_total": total,
        "percent": round(100 * done / total) if total else 0,
        "covers": describe(narrowing),
        "error": run.error,
    }


def _choices(session: Session, release: Release) -> tuple[MatrixChoices | None, str | None]:
    try:
        return choices_for(session, release), None
    except ValidationFailed as refused:
        return None, refused.detail


def compat_context(session: Session, release: Release, can: Iterable[str]) -> dict[str, Any]:
    """For a release the viewer has loaded (and so may see)."""
    listed = recent_runs(session, release, limit=RUNS_LISTED + 1)
    runs = listed[:RUNS_LISTED]
    choices, matrix_error = _choices(session, release)
    shown = next((run for run in runs if run.id == release.compat_run_id), None)
    if shown is None and release.compat_run_id:
        shown = session.get(CompatibilityRun, release.compat_run_id)
    report = shown.report if shown is not None and shown.status == "finished" else None
    latest = runs[0] if runs else None
    gate = gate_run(session, release)
    can_test = ENDPOINTS[Action.TEST] in set(can)
    return {
        "compat": {
            "run": _shown_run(shown, release, choices) if shown is not None else None,
            "report": report_view(report) if report else None,
            "flagged_domains": flagged_domains(report),
            "domains_called": domains_called(report),
            "runs": [_run_row(run, release) for run in runs],
            "more_runs": len(listed) > RUNS_LISTED,
            "choices": choices,
            "matrix_error": matrix_error,
            "can_test": can_test,
            "retest": describe(narrowing_of(latest, choices)) if latest is not None else None,
            "gate": _run_row(gate, release) if gate is not None else None,
        }
    }
