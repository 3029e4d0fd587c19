"""Periodic checks run on a thread of the server process (e.g. completing grayscales at
their deadline). Each tick is one unit of work; a failing tick is logged and the next
one tries again. Several processes may tick at once: the work itself must be safe to
run concurrently (row locks, state-machine guards)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from minirelease.db import utcnow
from minirelease.uow import UnitOfWork

logger = logging.getLogger(__name__)

Tick = Callable[[Session, dt.datetime], object]


def run_tick(session_factory: sessionmaker[Any], tick: Tick, now: dt.datetime) -> None:
    with UnitOfWork(session_factory) as uow:
        tick(uow.session, now)
        uow.commit()


class Periodic:
    def __init__(
        self,
        session_factory: sessionmaker[Any],
        tick: Tick,
        *,
        interval: float,
        clock: Callable[[], dt.datetime] = utcnow,
        name: str = "periodic",
    ) -> None:
        self._sessions = session_factory
        self._tick = tick
        self._interval = interval
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                run_tick(self._sessions, self._tick, self._clock())
            except Exception:
                logger.exception("periodic %s failed; trying again next tick", self._thread.name)
