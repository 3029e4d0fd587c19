"""The bounds of an engine run: the ones V8 enforces inside the run, and the ones the pool
enforces from outside the engine's process, for what V8 does not count or cannot stop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIB: Final = 1024 * 1024
# V8's own heap limit per run. It does not count array buffers' memory, and it is checked
# at garbage collections, so a process can grow well past it: hence the outer limit.
HEAP_LIMIT_BYTES: Final = 128 * MIB
# Wall-clock budget of one run, inside the engine (startup-timeout past it).
DEFAULT_TIME_BUDGET_MS: Final = 5_000


@dataclass(frozen=True)
class ProcessLimits:
    """What the pool enforces on an engine process, from outside it."""

    # Resident memory of the whole process (V8, its heap, array buffers, Python): past it,
    # the process is killed and the run reported as runtime-crashed.
    memory_bytes: int = 1024 * MIB
    # Beyond the run's own time budget: loading the scripts, and the engine's bounded
    # clean-up after a cut-off evaluation (5 s at most) and reading the results (5 s).
    grace_seconds: float = 15.0
    # A process answers this many runs, then a fresh one takes its place: whatever a run
    # leaks or leaves behind in V8's process-wide state does not accumulate.
    runs_per_process: int = 100

    def __post_init__(self) -> None:
        if self.memory_bytes < 64 * MIB:
            raise ValueError("an engine process needs at least 64 MiB")
        if self.grace_seconds <= 0 or self.runs_per_process < 1:
            raise ValueError("grace_seconds and runs_per_process must be positive")
