"""When a failed delivery is tried again: the wait after each failed attempt, in one
table. Eight attempts over about 24 hours; after the last one the delivery has failed."""

from __future__ import annotations

import datetime as dt

_m, _h = dt.timedelta(minutes=1), dt.timedelta(hours=1)

RETRY_DELAYS: tuple[dt.timedelta, ...] = (
    dt.timedelta(seconds=5),
    5 * _m,
    30 * _m,
    2 * _h,
    5 * _h,
    10 * _h,
    6 * _h,
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def next_delay(failed_attempts: int) -> dt.timedelta | None:
    """The wait after the ``failed_attempts``-th failure, or None: give up."""
    if failed_attempts < 1:
        raise ValueError(f"failed_attempts must be at least 1, got {failed_attempts}")
    if failed_attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[failed_attempts - 1]
