"""The time the job machinery reads and waits on, injected so tests can move it.

Production uses ``SYSTEM_CLOCK``: ``utcnow`` for instants and the threading primitives'
own (monotonic) timeouts for waits. A test clock moves only when the test says so, and
wakes the threads waiting on it then: every wait of the pool's workers, its housekeeper
and ``Periodic`` goes through ``Clock.wait_for``, so a test can run leases, heartbeats
and intervals of minutes without sleeping."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Protocol

from minirelease.db import utcnow


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """An aware UTC datetime."""
        ...

    def wait_for(
        self, signal: threading.Condition, done: Callable[[], bool], seconds: float
    ) -> bool:
        """With ``signal`` held, wait until ``done()`` holds (whoever changes what it reads
        notifies ``signal``) or ``seconds`` have passed on this clock; whether it holds."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return utcnow()

    def wait_for(
        self, signal: threading.Condition, done: Callable[[], bool], seconds: float
    ) -> bool:
        return signal.wait_for(done, timeout=seconds)


SYSTEM_CLOCK: Clock = SystemClock()


class StopFlag:
    """A stop request that a thread's timed wait (on any ``Clock``) wakes up for."""

    def __init__(self) -> None:
        self._signal = threading.Condition()
        self._set = False

    def set(self) -> None:
        with self._signal:
            self._set = True
            self._signal.notify_all()

    def wait(self, clock: Clock, seconds: float) -> bool:
        """Wait ``seconds`` on ``clock`` unless stopped meanwhile; whether stopped."""
        with self._signal:
            return clock.wait_for(self._signal, lambda: self._set, seconds)
