"""The limiter's rules, on the library's memory store: a limit per client and per account,
refusals with the seconds to wait, guesses counted only when they fail, and a store that
cannot be reached letting requests through."""

from __future__ import annotations

from pathlib import Path

import pytest
from limits import parse
from limits.storage import MemoryStorage

from minirelease.db import make_engine
from minirelease.errors import NotFound, RateLimited
from minirelease.ratelimits import Limiter, LimitName, RateLimitPolicy
from minirelease.ratelimits.sql_storage import SqlStorage

UPLOAD = LimitName.UPLOAD


def _limiter(per_client: str = "5/minute", per_account: str = "2/minute") -> Limiter:
    policy = RateLimitPolicy(
        per_client={UPLOAD: (parse(per_client),), LimitName.INVITATION_GUESS: (parse("9/hour"),)},
        per_account={UPLOAD: (parse(per_account),), LimitName.INVITATION_GUESS: (parse("2/hour"),)},
    )
    return Limiter(MemoryStorage(), policy)


def test_a_spent_account_limit_refuses_with_the_seconds_to_wait() -> None:
    limiter = _limiter()
    limiter.hit(UPLOAD, client="10.0.0.1", account="usr_a")
    limiter.hit(UPLOAD, client="10.0.0.1", account="usr_a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit(UPLOAD, client="10.0.0.1", account="usr_a")
    assert 1 <= refused.value.extra["retry_after"] <= 60
    assert refused.value.extra["limit"] == "upload"
    assert "too many uploads from this account (at most 2 per minute)" in refused.value.detail
    # Another account behind the same address is not held back by the first one's limit.
    limiter.hit(UPLOAD, client="10.0.0.1", account="usr_b")


def test_a_clients_limit_spans_the_accounts_it_uses() -> None:
    limiter = _limiter(per_client="3/minute", per_account="10/minute")
    for account in ("usr_a", "usr_b", "usr_c"):
        limiter.hit(UPLOAD, client="10.0.0.9", account=account)
    with pytest.raises(RateLimited, match="from this client"):
        limiter.hit(UPLOAD, client="10.0.0.9", account="usr_d")
    limiter.hit(UPLOAD, client="10.0.0.10", account="usr_d")


def test_refused_requests_still_count() -> None:
    limiter = _limiter(per_account="1/minute")
    limiter.hit(UPLOAD, client="c", account="a")
    for _ in range(3):
        with pytest.raises(RateLimited):
            limiter.hit(UPLOAD, client="c", account="a")
    # The client's 5 per minute: 4 hits so far, refused or not.
    limiter.hit(UPLOAD, client="c", account="b")
    with pytest.raises(RateLimited, match="from this client"):
        limiter.hit(UPLOAD, client="c", account="b")


def test_check_counts_nothing() -> None:
    limiter = _limiter(per_account="1/minute")
    for _ in range(5):
        limiter.check(UPLOAD, client="c", account="a")
    limiter.hit(UPLOAD, client="c", account="a")
    with pytest.raises(RateLimited):
        limiter.check(UPLOAD, client="c", account="a")


def test_guarding_counts_failed_guesses_only_and_refuses_before_the_next_try() -> None:
    limiter = _limiter()
    guess = LimitName.INVITATION_GUESS
    for _ in range(3):  # right guesses cost nothing
        with limiter.guarding(guess, client="c", account="a", failures=(NotFound,)):
            pass
    for _ in range(2):
        with (
            pytest.raises(NotFound),
            limiter.guarding(guess, client="c", account="a", failures=(NotFound,)),
        ):
            raise NotFound("invitation not found")
    tried: list[bool] = []
    with (
        pytest.raises(RateLimited),
        limiter.guarding(guess, client="c", account="a", failures=(NotFound,)),
    ):
        tried.append(True)
    assert tried == []
    # Other errors are not guesses.
    with (
        pytest.raises(ValueError),
        limiter.guarding(guess, client="c", account="other", failures=(NotFound,)),
    ):
        raise ValueError("something else")
    limiter.check(guess, client="c", account="other")


def test_a_store_that_fails_lets_requests_through_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'no-table.sqlite3'}")  # no counters table
    policy = RateLimitPolicy(per_client={UPLOAD: (parse("1/minute"),)})
    limiter = Limiter(SqlStorage(engine), policy)
    for _ in range(3):
        limiter.hit(UPLOAD, client="c")
        limiter.check(UPLOAD, client="c")
    engine.dispose()
    assert "rate limit upload not counted" in caplog.text
    assert "rate limit upload not checked" in caplog.text
