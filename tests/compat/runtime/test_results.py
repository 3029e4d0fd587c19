"""An engine run's JSON form: what the engine process sends is read back exactly, and
anything else is refused as malformed rather than turned into findings."""

from __future__ import annotations

from typing import Any

import pytest

from minirelease.compat.runtime.results import ApiCall, EngineRun, Event, Loop, MalformedRun

RUN = EngineRun(
    events=(Event("exception", "app.js", 3, 7, "TypeError: x is undefined (in App onLaunch)"),),
    calls=(
        ApiCall("my.scanCode", 12.5, True, "pages/a.js", 4, 2),
        ApiCall("my.request", 0, False, "pages/a.js", 5, 8, "http://api.example.com/a"),
    ),
    aborted="timeout",
    aborted_in="Page pages/a onLoad",
    aborted_file="pages/a.js",
    virtual_ms=30_000.0,
    wall_ms=12.3,
    aborted_loop=Loop("utils/wait.js", 7),
    aborted_in_timers=True,
    touched=("my.request", "my.scanCode"),
    answered=0,
)


def test_a_run_survives_its_json_form() -> None:
    assert EngineRun.from_json(RUN.to_json()) == RUN


@pytest.mark.parametrize(
    "broken",
    [
        None,
        [],
        {**RUN.to_json(), "events": "none"},
        {**RUN.to_json(), "aborted": "exploded"},
        {**RUN.to_json(), "virtual_ms": "1"},
        {**RUN.to_json(), "events": [{"kind": "exception", "message": 3}]},
        {**RUN.to_json(), "events": [{"kind": "meltdown", "message": "m"}]},
        {**RUN.to_json(), "calls": [{"api": "my.x", "at_ms": 1, "unsupported": "yes"}]},
        {
            **RUN.to_json(),
            "calls": [{"api": "my.x", "at_ms": 1, "unsupported": True, "line": True}],
        },
        {**RUN.to_json(), "calls": [7]},
        {**RUN.to_json(), "aborted_loop": {"file": "a.js", "line": "7"}},
        {**RUN.to_json(), "aborted_in_timers": None},
        {**RUN.to_json(), "touched": ["my.request", 3]},
        {**RUN.to_json(), "answered": 1.5},
    ],
)
def test_anything_else_is_malformed(broken: Any) -> None:
    with pytest.raises(MalformedRun):
        EngineRun.from_json(broken)
