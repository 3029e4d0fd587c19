"""The bounds of an engine run: the ones V8 enforces inside the run, and the defaults of
the ones enforced from outside the engine's process, for what V8 does not count or cannot
stop (``process_pool.ProcessLimits``)."""

from __future__ import annotations

from typing import Final

from minirelease.compat.child_process import MIB

# V8's own heap limit per run. It does not count array buffers' memory, and it is checked
# at garbage collections, so a process can grow well past it: hence the outer limit.
HEAP_LIMIT_BYTES: Final = 128 * MIB
# Wall-clock budgets inside the engine (startup-timeout past either): each lifecycle step's
# own (a hook and the timers it set: a program polling every 16 ms fires 500 timers a step,
# half a second on a busy machine), and the whole run's, which a run with several cut-off
# pages can spend (the app launches again after each, in a fresh isolate).
DEFAULT_STEP_BUDGET_MS: Final = 2_000
DEFAULT_TIME_BUDGET_MS: Final = 5_000
# Resident memory of an engine process, enforced from outside it.
ENGINE_MEMORY_BYTES: Final = 1024 * MIB
# Beyond a run's own budget, before its engine process counts as hung: the engine's
# bounded clean-up after a cut-off step (5 s at most, milliseconds in practice) and reading
# what it found (5 s at most). Steps report as they end, so even then the findings of the
# steps before stand.
GRACE_SECONDS: Final = 15.0
