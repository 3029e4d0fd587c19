"""What the engine reports after each lifecycle step, and the run made of those reports.

The engine's process sends each report as soon as its step ends (a progress message), so
what the steps before found survives even that process's end (a crash, or a limit enforced
from outside); its answer is the run folded from the same reports (``run_of``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from minirelease.compat.runtime.results import (
    ApiCall,
    Cutoff,
    EngineRun,
    Event,
    MalformedRun,
)


@dataclass(frozen=True)
class StepReport:
    step: str  # e.g. "Page pages/a onLoad"
    events: tuple[Event, ...]
    calls: tuple[ApiCall, ...]
    cutoff: Cutoff | None = None
    # The JSAPIs touched so far in this step's engine (None: unknown, out of memory), the
    # network answers given in this step, and the virtual clock when it ended.
    touched: tuple[str, ...] | None = ()
    answered: int = 0
    now: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "events": [event.to_json() for event in self.events],
            "calls": [call.to_json() for call in self.calls],
            "cutoff": None if self.cutoff is None else self.cutoff.to_json(),
            "touched": None if self.touched is None else list(self.touched),
            "answered": self.answered,
            "now": self.now,
        }

    @classmethod
    def from_json(cls, data: Any) -> StepReport:
        # Read back through a run's JSON form: one set of strict readers for both.
        if not isinstance(data, Mapping) or not isinstance(data.get("step"), str):
            raise MalformedRun("a step report is a JSON object naming its step")
        cutoff = data.get("cutoff")
        run = EngineRun.from_json(
            {
                "events": data.get("events"),
                "calls": data.get("calls"),
                "cutoffs": [] if cutoff is None else [cutoff],
                "virtual_ms": data.get("now"),
                "wall_ms": 0,
                "touched": data.get("touched"),
                "answered": data.get("answered"),
            }
        )
        if run.answered is None:
            raise MalformedRun("a step report says how many answers its step got")
        return cls(
            step=data["step"],
            events=run.events,
            calls=run.calls,
            cutoff=run.cutoffs[0] if run.cutoffs else None,
            touched=run.touched,
            answered=run.answered,
            now=run.virtual_ms,
        )


def run_of(reports: Sequence[StepReport], wall_ms: float) -> EngineRun:
    """The run the steps of ``reports`` make, in order."""
    touched: set[str] | None = set()
    for report in reports:
        if report.touched is None or touched is None:
            touched = None  # a step that ran out of memory could not say
        else:
            touched.update(report.touched)
    return EngineRun(
        events=tuple(event for report in reports for event in report.events),
        calls=tuple(call for report in reports for call in report.calls),
        cutoffs=tuple(report.cutoff for report in reports if report.cutoff is not None),
        virtual_ms=reports[-1].now if reports else 0.0,
        wall_ms=wall_ms,
        touched=None if touched is None else tuple(sorted(touched)),
        answered=sum(report.answered for report in reports),
    )
