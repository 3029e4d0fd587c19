"""What a running compatibility run shows while it works: cells done of total, written in
short transactions of their own (the run itself holds none), at most every
``min_interval`` seconds so that a fast run does not write once per cell."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from minirelease.releases.models import CompatibilityRun
from minirelease.uow import UnitOfWork

DEFAULT_MIN_INTERVAL = 0.5  # seconds between two progress writes


class ProgressWriter:
    def __init__(
        self,
        session_factory: sessionmaker[Any],
        run_id: str,
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = session_factory
        self._run_id = run_id
        self._min_interval = min_interval
        self._clock = clock
        self._written_at: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        # The last cell is left to the transaction that records the finished report.
        if done >= total:
            return
        if self._written_at is not None and now - self._written_at < self._min_interval:
            return
        self._written_at = now
        with UnitOfWork(self._sessions) as uow:
            # Only while running: a canceled or already finished run keeps its numbers.
            uow.session.execute(
                update(CompatibilityRun)
                .where(CompatibilityRun.id == self._run_id, CompatibilityRun.status == "running")
                .values(cells_done=done)
            )
            uow.commit()
