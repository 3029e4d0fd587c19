"""CPU time spent during a benchmark window, from Linux's /proc: by given processes (the
servers), by every ``postgres`` process of this machine (when the database runs here),
and by the whole machine. A benchmark that shares its cores with other work can then say
what one request cost, not only how long it waited.

Without /proc (not Linux) every reading is None and the benchmark says so."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_seconds(pid: int) -> float:
    """User and system CPU time of one live process (all its threads), in seconds."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _named_processes(name: str) -> dict[int, float]:
    """CPU seconds of every live process called ``name``, by pid."""
    found: dict[int, float] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == name:
                found[int(entry.name)] = process_seconds(int(entry.name))
        except OSError:
            continue  # it ended meanwhile
    return found


def _machine_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of every core since boot."""
    values = [int(v) for v in (_PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / _TICKS, total / _TICKS


@dataclass(frozen=True)
class Reading:
    servers: float
    postgres: dict[int, float]  # by backend pid
    machine_busy: float
    machine_total: float


def read(server_pids: list[int]) -> Reading | None:
    if not (_PROC / "stat").exists():
        return None
    busy, total = _machine_seconds()
    return Reading(
        servers=sum(process_seconds(pid) for pid in server_pids),
        postgres=_named_processes("postgres"),
        machine_busy=busy,
        machine_total=total,
    )


@dataclass(frozen=True)
class Spent:
    """CPU seconds spent between two readings."""

    servers: float
    postgres: float
    machine_busy: float
    machine_total: float

    @classmethod
    def between(cls, before: Reading | None, after: Reading | None) -> Spent | None:
        if before is None or after is None:
            return None
        return cls(
            servers=after.servers - before.servers,
            # Backends alive at both ends: the servers' pooled connections are; a backend
            # that ended meanwhile took its count with it (another client's, mostly).
            postgres=sum(
                max(0.0, seconds - before.postgres[pid])
                for pid, seconds in after.postgres.items()
                if pid in before.postgres
            ),
            machine_busy=after.machine_busy - before.machine_busy,
            machine_total=after.machine_total - before.machine_total,
        )
