"""How long a failed job waits before its next attempt: exponential, capped.

Deterministic on purpose (no jitter): tests assert the exact instant, and the handful
of jobs an embedded server runs cannot stampede anything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

RetryDelay = Callable[[int], dt.timedelta]

BASE_DELAY = dt.timedelta(seconds=5)
MAX_DELAY = dt.timedelta(minutes=5)


def retry_delay(
    attempts: int, *, base: dt.timedelta = BASE_DELAY, cap: dt.timedelta = MAX_DELAY
) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt (1 → base, 2 → 2·base, …)."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    # Bound the exponent so a large count cannot overflow the timedelta before the cap.
    return min(base * (1 << min(attempts - 1, 32)), cap)
