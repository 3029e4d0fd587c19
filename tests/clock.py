"""A clock tests move by hand: the jobs' waits (tests/jobs, webhooks, the deadline) and the
app's "now" (``create_app(..., clock=...)``) run on it without sleeping."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from minirelease.db import utcnow


class FakeClock:
    """A ``Clock`` that moves only on ``advance``: a wait on it ends when its condition
    holds or when ``advance`` reaches its end, never by itself."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or utcnow()
        self._lock = threading.Lock()
        # One entry per thread waiting now: what wakes it, and when its time is up.
        self._waits: list[tuple[threading.Condition, dt.datetime]] = []

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def wait_for(
        self, signal: threading.Condition, done: Callable[[], bool], seconds: float
    ) -> bool:
        with self._lock:
            wait = (signal, self._now + dt.timedelta(seconds=seconds))
            # Registered while ``signal`` is held: an advance from now on notifies it.
            self._waits.append(wait)
        try:
            return signal.wait_for(lambda: done() or self.now() >= wait[1]) and done()
        finally:
            with self._lock:
                self._waits.remove(wait)

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += dt.timedelta(**delta)
            signals = {signal for signal, _ in self._waits}
        for signal in signals:  # not under self._lock: waiters read now() holding signal
            with signal:
                signal.notify_all()

    def settled(self, threads: int) -> Callable[[], bool]:
        """Whether exactly ``threads`` threads wait on this clock, none of them due: those
        an ``advance`` woke have done their round and wait again (for ``wait_until``)."""

        def check() -> bool:
            with self._lock:
                return len(self._waits) == threads and all(
                    end > self._now for _, end in self._waits
                )

        return check
