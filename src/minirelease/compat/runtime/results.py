"""What one engine run reports, as plain data: the events and JSAPI calls the smoke test
turns into findings, and how the run ended. Runs cross from the engine's process to the
job as JSON, so each type has a JSON form, read back strictly (a field of the wrong type
is a broken child, not a finding)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

Abort = Literal["timeout", "memory"]
_ABORTS = ("timeout", "memory")
_EVENT_KINDS = ("exception", "rejection")


class MalformedRun(ValueError):
    """A run's JSON form does not have the fields and types of ``EngineRun``."""


@dataclass(frozen=True)
class Event:
    kind: Literal["exception", "rejection"]
    file: str | None
    line: int | None
    column: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        kind = _field(data, "kind", str)
        if kind not in _EVENT_KINDS:
            raise MalformedRun(f"unknown event kind {kind!r}")
        return cls(
            kind=cast(Literal["exception", "rejection"], kind),
            file=_optional(data, "file", str),
            line=_optional(data, "line", int),
            column=_optional(data, "column", int),
            message=_field(data, "message", str),
        )


@dataclass(frozen=True)
class ApiCall:
    api: str
    at_ms: float  # virtual time of the call
    unsupported: bool
    file: str | None = None
    line: int | None = None
    column: int | None = None
    url: str | None = None  # what a network call requested

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "at_ms": self.at_ms,
            "unsupported": self.unsupported,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApiCall:
        return cls(
            api=_field(data, "api", str),
            at_ms=float(_field(data, "at_ms", (int, float))),
            unsupported=_field(data, "unsupported", bool),
            file=_optional(data, "file", str),
            line=_optional(data, "line", int),
            column=_optional(data, "column", int),
            url=_optional(data, "url", str),
        )


@dataclass(frozen=True)
class Loop:
    """A loop of the package (loops.py), where a cut-off step spun most."""

    file: str
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Loop:
        return cls(file=_field(data, "file", str), line=_field(data, "line", int))


@dataclass(frozen=True)
class Cutoff:
    """A lifecycle step the engine cut off: past its time budget (its own, or what was left
    of the run's) or out of memory. The run goes on with the next page, in a fresh engine."""

    kind: Abort
    step: str  # e.g. "Page pages/a onLoad"
    file: str | None
    # The budget it ran past (a timeout), and whether that was the whole run's rest rather
    # than the step's own: then the steps after it did not run.
    budget_ms: int | None = None
    whole_run: bool = False
    heap_bytes: int | None = None  # the heap limit a step ran out of
    # Where a timed-out step spun, and whether it was cut off while its timers ran (rather
    # than in the lifecycle hook itself).
    loop: Loop | None = None
    in_timers: bool = False
    # The step ran in a fresh engine, after an earlier step's cut-off (the app launched again).
    fresh_after: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "step": self.step,
            "file": self.file,
            "budget_ms": self.budget_ms,
            "whole_run": self.whole_run,
            "heap_bytes": self.heap_bytes,
            "loop": None if self.loop is None else self.loop.to_json(),
            "in_timers": self.in_timers,
            "fresh_after": self.fresh_after,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cutoff:
        kind = _field(data, "kind", str)
        if kind not in _ABORTS:
            raise MalformedRun(f"unknown cut-off {kind!r}")
        loop = data.get("loop")
        return cls(
            kind=cast(Abort, kind),
            step=_field(data, "step", str),
            file=_optional(data, "file", str),
            budget_ms=_optional(data, "budget_ms", int),
            whole_run=_field(data, "whole_run", bool),
            heap_bytes=_optional(data, "heap_bytes", int),
            loop=None if loop is None else Loop.from_json(_object(loop)),
            in_timers=_field(data, "in_timers", bool),
            fresh_after=_optional(data, "fresh_after", str),
        )


@dataclass(frozen=True)
class EngineRun:
    events: tuple[Event, ...]
    calls: tuple[ApiCall, ...]
    # The steps cut off, in order: a page's cut-off costs that page only.
    cutoffs: tuple[Cutoff, ...]
    virtual_ms: float
    wall_ms: float
    # The JSAPIs the program read or asked my.canIUse about, and the network answers it was
    # given: None when the host could not say (a step that ran out of memory reads nothing).
    touched: tuple[str, ...] | None = None
    answered: int | None = None

    @property
    def aborted(self) -> Abort | None:
        """How the first cut-off step ended, None when every step finished."""
        return self.cutoffs[0].kind if self.cutoffs else None

    def to_json(self) -> dict[str, Any]:
        return {
            "events": [event.to_json() for event in self.events],
            "calls": [call.to_json() for call in self.calls],
            "cutoffs": [cutoff.to_json() for cutoff in self.cutoffs],
            "virtual_ms": self.virtual_ms,
            "wall_ms": self.wall_ms,
            "touched": None if self.touched is None else list(self.touched),
            "answered": self.answered,
        }

    @classmethod
    def from_json(cls, data: Any) -> EngineRun:
        if not isinstance(data, Mapping):
            raise MalformedRun("a run is a JSON object")
        touched = _optional(data, "touched", list)
        return cls(
            events=tuple(Event.from_json(_object(item)) for item in _field(data, "events", list)),
            calls=tuple(ApiCall.from_json(_object(item)) for item in _field(data, "calls", list)),
            cutoffs=tuple(
                Cutoff.from_json(_object(item)) for item in _field(data, "cutoffs", list)
            ),
            virtual_ms=float(_field(data, "virtual_ms", (int, float))),
            wall_ms=float(_field(data, "wall_ms", (int, float))),
            touched=None if touched is None else tuple(_names(touched)),
            answered=_optional(data, "answered", int),
        )


def _object(item: Any) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise MalformedRun("events, calls, cut-offs and loops are JSON objects")
    return item


def _names(items: list[Any]) -> list[str]:
    if not all(isinstance(item, str) for item in items):
        raise MalformedRun("'touched' holds JSAPI names")
    return items


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    # bool is an int in Python; a count or position that is true/false is malformed.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise MalformedRun(f"{name!r} is missing or not of the right type")
    return value


def _optional(data: Mapping[str, Any], name: str, kind: type) -> Any:
    return None if data.get(name) is None else _field(data, name, kind)
