"""An engine run's JSON form: what the engine process sends is read back exactly, and
anything else is refused as malformed rather than turned into findings."""

from __future__ import annotations

from typing import Any

import pytest

from minirelease.compat.runtime.results import (
    ApiCall,
    Cutoff,
    EngineRun,
    Event,
    Loop,
    MalformedRun,
)
from minirelease.compat.runtime.step_reports import StepReport, run_of

RUN = EngineRun(
    events=(Event("exception", "app.js", 3, 7, "TypeError: x is undefined (in App onLaunch)"),),
    calls=(
        ApiCall("my.scanCode", 12.5, True, "pages/a.js", 4, 2),
        ApiCall("my.request", 0, False, "pages/a.js", 5, 8, "http://api.example.com/a"),
    ),
    cutoffs=(
        Cutoff(
            "timeout",
            "Page pages/a onLoad",
            "pages/a.js",
            budget_ms=1000,
            loop=Loop("utils/wait.js", 7),
            in_timers=True,
        ),
        Cutoff(
            "memory",
            "Page pages/b onReady",
            "pages/b.js",
            heap_bytes=128 << 20,
            fresh_after="Page pages/a onLoad",
        ),
    ),
    virtual_ms=30_000.0,
    wall_ms=12.3,
    touched=("my.request", "my.scanCode"),
    answered=0,
)


CUTOFF = RUN.cutoffs[0].to_json()


def test_a_run_survives_its_json_form() -> None:
    assert EngineRun.from_json(RUN.to_json()) == RUN
    assert RUN.aborted == "timeout"  # the first cut-off's kind


@pytest.mark.parametrize(
    "broken",
    [
        None,
        [],
        {**RUN.to_json(), "events": "none"},
        {**RUN.to_json(), "cutoffs": [{**CUTOFF, "kind": "exploded"}]},
        {**RUN.to_json(), "cutoffs": [{**CUTOFF, "budget_ms": "1000"}]},
        {**RUN.to_json(), "cutoffs": [{**CUTOFF, "whole_run": None}]},
        {**RUN.to_json(), "cutoffs": None},
        {**RUN.to_json(), "virtual_ms": "1"},
        {**RUN.to_json(), "events": [{"kind": "exception", "message": 3}]},
        {**RUN.to_json(), "events": [{"kind": "meltdown", "message": "m"}]},
        {**RUN.to_json(), "calls": [{"api": "my.x", "at_ms": 1, "unsupported": "yes"}]},
        {
            **RUN.to_json(),
            "calls": [{"api": "my.x", "at_ms": 1, "unsupported": True, "line": True}],
        },
        {**RUN.to_json(), "calls": [7]},
        {**RUN.to_json(), "cutoffs": [{**CUTOFF, "loop": {"file": "a.js", "line": "7"}}]},
        {**RUN.to_json(), "cutoffs": [{**CUTOFF, "in_timers": None}]},
        {**RUN.to_json(), "touched": ["my.request", 3]},
        {**RUN.to_json(), "answered": 1.5},
    ],
)
def test_anything_else_is_malformed(broken: Any) -> None:
    with pytest.raises(MalformedRun):
        EngineRun.from_json(broken)


def test_step_reports_survive_their_json_form_and_fold_into_the_run() -> None:
    first = StepReport(
        "Page pages/a onLoad",
        RUN.events,
        RUN.calls[:1],
        RUN.cutoffs[0],
        touched=("my.scanCode",),
        answered=0,
        now=12.5,
    )
    second = StepReport(
        "Page pages/b onReady", (), RUN.calls[1:], RUN.cutoffs[1], touched=None, now=30_000.0
    )
    assert [StepReport.from_json(step.to_json()) for step in (first, second)] == [first, second]
    assert run_of([first, second], wall_ms=12.3) == EngineRun(
        events=RUN.events,
        calls=RUN.calls,
        cutoffs=RUN.cutoffs,
        virtual_ms=30_000.0,
        wall_ms=12.3,
        touched=None,  # the step out of memory could not say what it touched
        answered=0,
    )


@pytest.mark.parametrize(
    "broken",
    [
        None,
        {"events": [], "calls": [], "now": 0, "answered": 0},
        {"step": "App onLaunch", "events": [], "calls": [], "now": 0},
        {"step": "App onLaunch", "events": [], "calls": [], "now": 0, "answered": 0, "cutoff": 1},
    ],
)
def test_a_malformed_step_report_is_refused(broken: Any) -> None:
    with pytest.raises(MalformedRun):
        StepReport.from_json(broken)
