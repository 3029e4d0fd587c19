"""One lifecycle step of a smoke test in an engine (``engine.py``): the hook, then the
timers it set, each step under its own time budget (and what is left of the run's), then
what the step found, read back from the host. A step past its budget or out of memory is
cut off and says so; the steps before it keep what they found."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

from minirelease.compat.runtime.loops import loop_site
from minirelease.compat.runtime.results import Abort, ApiCall, Cutoff, Event, Loop
from minirelease.compat.runtime.step_reports import StepReport

# Timers due within this much virtual time after a step starts run in that step; later ones
# (polling, long retries) belong to no lifecycle step.
STEP_HORIZON_MS: Final = 30_000
# Fired timers per step; past it a program is polling (not a fault) or, when its timers
# keep the clock from advancing, never settling (a start-up timeout).
MAX_TIMERS_PER_STEP: Final = 500
# The host's own code after a cut-off (letting the cut-off evaluation land, naming the loop,
# reading what was found) runs with this fixed bound, outside the package's budgets.
_HOST_SECONDS: Final = 5


@dataclass(frozen=True)
class Budgets:
    """Each step's own budget, within what is left of the whole run's, and the heap."""

    step_ms: int
    run_ms: int
    run_deadline: float  # on time.perf_counter()
    heap_bytes: int  # each engine's heap limit, named when a step runs out of it

    @classmethod
    def starting_now(cls, step_ms: int, run_ms: int, heap_bytes: int) -> Budgets:
        return cls(step_ms, run_ms, time.perf_counter() + run_ms / 1000, heap_bytes)

    def for_step(self) -> tuple[float, bool]:
        """The next step's deadline, and whether it is the whole run's."""
        own = time.perf_counter() + self.step_ms / 1000
        return (own, False) if own < self.run_deadline else (self.run_deadline, True)


@dataclass(frozen=True)
class Step:
    name: str  # named in the finding if it is cut off
    file: str
    code: str  # what starts it in the host


def run_step(
    engine: MiniRacer,
    step: Step,
    budgets: Budgets,
    scripts: Mapping[str, str],
    *,
    fresh_after: str | None = None,
) -> StepReport:
    """Run ``step`` and report what it found; ``fresh_after`` names the cut-off step that
    made this engine a fresh one (said in each finding of this step)."""
    deadline, whole_run = budgets.for_step()
    in_timers = False
    kind: Abort | None = None
    loop: Loop | None = None
    try:
        # Its loops counted afresh, so that a cut-off names the loop of this step.
        _eval(engine, f"__loops.reset(), {step.code}", deadline)
        in_timers = True
        _drain(engine, deadline)
    except _BudgetSpent:
        kind = "timeout"  # between evaluations: no loop was cut off
    except JSTimeoutException:
        kind = "timeout"
        loop = _hottest_loop(engine, scripts)
    except JSOOMException:
        kind = "memory"
    if kind is None and engine.was_hard_memory_limit_reached():
        kind = "memory"
    found = None
    if kind != "memory":
        try:
            found = _collect(engine)
        except JSOOMException:
            kind = "memory"
        if found is None and kind is None:
            kind = "timeout"  # the host did not answer in time: its state is unknown
    cutoff = None
    if kind is not None:
        budget = budgets.run_ms if whole_run else budgets.step_ms
        cutoff = Cutoff(
            kind=kind,
            step=step.name,
            file=step.file,
            budget_ms=None if kind == "memory" else budget,
            whole_run=whole_run and kind == "timeout",
            heap_bytes=budgets.heap_bytes if kind == "memory" else None,
            loop=loop,
            in_timers=in_timers and kind == "timeout",
            fresh_after=fresh_after,
        )
    if found is None:  # out of memory, or the host could not say: nothing more to tell
        return StepReport(step.name, (), (), cutoff, touched=None)
    events = [Event(**event) for event in found["events"]]
    if kind == "timeout":
        # A promise of a step cut off by its budget may have been about to get its
        # handler: only exceptions, which did happen, count.
        events = [event for event in events if event.kind == "exception"]
    if fresh_after is not None:
        note = f"; the page ran in a fresh engine, after {fresh_after} was cut off"
        events = [Event(e.kind, e.file, e.line, e.column, e.message + note) for e in events]
    return StepReport(
        step=step.name,
        events=tuple(events),
        calls=tuple(_call(call) for call in found["calls"]),
        cutoff=cutoff,
        touched=_touched(found.get("touched")),
        answered=found["answered"] if isinstance(found.get("answered"), int) else 0,
        now=float(found["now"]),
    )


class _BudgetSpent(Exception):
    """The step's time ran out between evaluations, or its timers kept coming due without
    the clock advancing (start-up never settles): a timeout that cut off no loop."""


def _eval(engine: MiniRacer, code: str, deadline: float) -> Any:
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise _BudgetSpent
    return engine.eval(code, timeout_sec=remaining)


def _drain(engine: MiniRacer, deadline: float) -> None:
    # Each timer in an evaluation of its own: the engine runs the promise jobs a timer
    # queued when the evaluation ends, before the next timer, as an event loop does.
    if not _eval(engine, f"__smoke.startDrain({STEP_HORIZON_MS})", deadline):
        return
    for _ in range(MAX_TIMERS_PER_STEP - 1):
        if not _eval(engine, "__smoke.continueDrain()", deadline):
            return
    if _eval(engine, "__smoke.stuck()", deadline):
        raise _BudgetSpent


def _collect(engine: MiniRacer) -> dict[str, Any] | None:
    """What the step found, or None when the host could not say within its bound (a
    rejection reason whose description never ends, or a host cut off mid-update)."""
    try:
        found: dict[str, Any] = json.loads(
            str(engine.eval("__smoke.collect()", timeout_sec=_HOST_SECONDS))
        )
    except JSTimeoutException:
        return None
    return found


def _hottest_loop(engine: MiniRacer, scripts: Mapping[str, str]) -> Loop | None:
    try:
        # The cut-off evaluation reports back once more; let that land, then ask which
        # loop the step spun in.
        engine.eval("0", timeout_sec=_HOST_SECONDS)
        number = engine.eval("__loops.hottest()", timeout_sec=_HOST_SECONDS)
    except JSEvalException:
        return None  # the finding then names the step only
    site = loop_site(scripts, number) if isinstance(number, int) and number >= 0 else None
    return None if site is None else Loop(*site)


def _touched(names: Any) -> tuple[str, ...] | None:
    if not isinstance(names, list):
        return None
    return tuple(sorted({str(name) for name in names}))


def _call(call: Mapping[str, Any]) -> ApiCall:
    return ApiCall(
        api=call["api"],
        at_ms=float(call["at"]),
        unsupported=bool(call.get("unsupported", False)),
        file=call.get("file"),
        line=call.get("line"),
        column=call.get("column"),
        url=call["url"] if isinstance(call.get("url"), str) else None,
    )
