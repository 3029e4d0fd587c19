"""The retry schedule: growing waits, about 24 hours in all, then the delivery fails."""

from __future__ import annotations

import datetime as dt

import pytest

from minirelease.webhooks import schedule


def test_waits_grow_and_span_about_a_day() -> None:
    delays = [schedule.next_delay(n) for n in range(1, schedule.MAX_ATTEMPTS)]
    assert delays[0] == dt.timedelta(seconds=5)
    assert all(d is not None for d in delays)
    total = sum((d for d in delays if d is not None), dt.timedelta())
    assert dt.timedelta(hours=23) <= total <= dt.timedelta(hours=24)
    assert delays[:6] == sorted(delays[:6])  # exponential-ish until the last wait


def test_after_the_last_attempt_no_retry() -> None:
    assert schedule.next_delay(schedule.MAX_ATTEMPTS) is None
    with pytest.raises(ValueError):
        schedule.next_delay(0)
