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

    def to_json(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "at_ms": self.at_ms,
            "unsupported": self.unsupported,
            "file": self.file,
            "line": self.line,
            "column": self.column,
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
        )


@dataclass(frozen=True)
class EngineRun:
    events: tuple[Event, ...]
    calls: tuple[ApiCall, ...]
    aborted: Abort | None
    aborted_in: str | None  # the step cut off, e.g. "Page pages/index/index onLoad"
    aborted_file: str | None
    virtual_ms: float
    wall_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "events": [event.to_json() for event in self.events],
            "calls": [call.to_json() for call in self.calls],
            "aborted": self.aborted,
            "aborted_in": self.aborted_in,
            "aborted_file": self.aborted_file,
            "virtual_ms": self.virtual_ms,
            "wall_ms": self.wall_ms,
        }

    @classmethod
    def from_json(cls, data: Any) -> EngineRun:
        if not isinstance(data, Mapping):
            raise MalformedRun("a run is a JSON object")
        aborted = _optional(data, "aborted", str)
        if aborted is not None and aborted not in _ABORTS:
            raise MalformedRun(f"unknown abort {aborted!r}")
        return cls(
            events=tuple(Event.from_json(_object(item)) for item in _field(data, "events", list)),
            calls=tuple(ApiCall.from_json(_object(item)) for item in _field(data, "calls", list)),
            aborted=cast(Abort | None, aborted),
            aborted_in=_optional(data, "aborted_in", str),
            aborted_file=_optional(data, "aborted_file", str),
            virtual_ms=float(_field(data, "virtual_ms", (int, float))),
            wall_ms=float(_field(data, "wall_ms", (int, float))),
        )


def _object(item: Any) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise MalformedRun("events and calls are JSON objects")
    return item


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    # bool is an int in Python; a count or position that is true/false is malformed.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise MalformedRun(f"{name!r} is missing or not of the right type")
    return value


def _optional(data: Mapping[str, Any], name: str, kind: type) -> Any:
    return None if data.get(name) is None else _field(data, name, kind)
