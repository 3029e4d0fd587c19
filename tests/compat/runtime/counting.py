"""An engine that counts: the shared engine processes, with every run it answers kept, so
that tests can say how many runs timed out (instead of timing the wall clock)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from minirelease.compat.runtime import Engine, Network
from minirelease.compat.runtime.results import EngineRun
from minirelease.compat.runtime.scripts import Scripts
from tests.engines import SHARED_ENGINE


class CountingEngine:
    def __init__(self, engine: Engine = SHARED_ENGINE) -> None:
        self.engine = engine
        self.runs: list[tuple[str, EngineRun]] = []  # (network name, run)

    def run(
        self,
        scripts: Scripts,
        *,
        pages: Sequence[str],
        jsapis: Iterable[str],
        network: Network,
        time_budget_ms: int,
        step_budget_ms: int,
    ) -> EngineRun:
        run = self.engine.run(
            scripts,
            pages=pages,
            jsapis=jsapis,
            network=network,
            time_budget_ms=time_budget_ms,
            step_budget_ms=step_budget_ms,
        )
        self.runs.append((network.name, run))
        return run

    @property
    def timed_out(self) -> list[str]:
        """The networks of the runs with a step cut off by its budget, in order."""
        return [name for name, run in self.runs if run.aborted == "timeout"]
