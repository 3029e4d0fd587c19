"""Periodic checks run on a thread (e.g. completing grayscales at their deadline). Each
tick is one unit of work; a failing tick is logged and the next one tries again.

Without a lease every process that runs a ``Periodic`` ticks, so the work itself must be
safe to run concurrently (row locks, state-machine guards). With ``lease`` (a name), the
tick runs once per interval across all processes on the database: each process looks
every interval, and only the one that takes the due lease (leases.py) runs the work, in
the lease's own transaction."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from minirelease.jobs import leases
from minirelease.jobs.clock import SYSTEM_CLOCK, Clock, StopFlag
from minirelease.uow import UnitOfWork

logger = logging.getLogger(__name__)

Tick = Callable[[Session, dt.datetime], object]


def run_tick(session_factory: sessionmaker[Any], tick: Tick, now: dt.datetime) -> None:
    with UnitOfWork(session_factory) as uow:
        tick(uow.session, now)
        uow.commit()


def run_leased_tick(
    session_factory: sessionmaker[Any],
    tick: Tick,
    clock: Callable[[], dt.datetime],
    *,
    lease: str,
    interval: dt.timedelta,
    holder: str,
) -> bool:
    """Run one tick if the lease is due and no other process holds it; whether it ran."""
    with UnitOfWork(session_factory) as uow:
        now = leases.take(uow.session, lease, clock=clock, interval=interval, holder=holder)
        if now is None:
            return False
        tick(uow.session, now)
        uow.commit()
    return True


class Periodic:
    def __init__(
        self,
        session_factory: sessionmaker[Any],
        tick: Tick,
        *,
        interval: float,
        # What ticks read the time from and the loop waits on between them.
        clock: Clock = SYSTEM_CLOCK,
        name: str = "periodic",
        lease: str | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._sessions = session_factory
        self._tick = tick
        self._interval = interval
        self._clock = clock
        self._lease = lease
        self._holder = f"{socket.gethostname()}/{os.getpid()}"
        self._lease_exists = False
        self._stop = StopFlag()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    @property
    def name(self) -> str:
        return self._thread.name

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> bool:
        """One tick now (under the lease, if any); whether the work ran."""
        if self._lease is None:
            run_tick(self._sessions, self._tick, self._clock.now())
            return True
        if not self._lease_exists:
            with UnitOfWork(self._sessions) as uow:
                leases.ensure(uow.session, self._lease, self._clock.now())
                uow.commit()
            self._lease_exists = True
        return run_leased_tick(
            self._sessions,
            self._tick,
            self._clock.now,
            lease=self._lease,
            interval=dt.timedelta(seconds=self._interval),
            holder=self._holder,
        )

    def _loop(self) -> None:
        while not self._stop.wait(self._clock, self._interval):
            try:
                self.run_once()
            except Exception:
                logger.exception("periodic %s failed; trying again next tick", self.name)
