"""The bounds of an engine run: the ones V8 enforces inside the run, and the defaults of
the ones enforced from outside the engine's process, for what V8 does not count or cannot
stop (``process_pool.ProcessLimits``)."""

from __future__ import annotations

from typing import Final

from minirelease.compat.child_process import MIB

# V8's own heap limit per run. It does not count array buffers' memory, and it is checked
# at garbage collections, so a process can grow well past it: hence the outer limit.
HEAP_LIMIT_BYTES: Final = 128 * MIB
# Wall-clock budget of one run, inside the engine (startup-timeout past it).
DEFAULT_TIME_BUDGET_MS: Final = 5_000
# Resident memory of an engine process, enforced from outside it.
ENGINE_MEMORY_BYTES: Final = 1024 * MIB
# Beyond a run's own budget, before its engine process counts as hung: loading the
# scripts, the engine's bounded clean-up after a cut-off evaluation (5 s at most) and
# reading the results (5 s at most).
GRACE_SECONDS: Final = 15.0
