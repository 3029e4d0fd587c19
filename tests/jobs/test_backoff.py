from __future__ import annotations

import datetime as dt

import pytest

from minirelease.jobs.backoff import BASE_DELAY, MAX_DELAY, retry_delay


def test_delay_doubles_from_the_base_after_each_failed_attempt() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [BASE_DELAY * f for f in (1, 2, 4, 8)]


def test_delay_is_capped_even_for_huge_attempt_counts() -> None:
    assert retry_delay(7) == MAX_DELAY
    assert retry_delay(10_000) == MAX_DELAY


def test_base_and_cap_are_configurable() -> None:
    second = dt.timedelta(seconds=1)
    assert [retry_delay(n, base=second, cap=3 * second) for n in (1, 2, 3)] == [
        second,
        2 * second,
        3 * second,
    ]


def test_attempts_start_at_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retry_delay(0)
