"""Counting requests against a ``RateLimitPolicy``: ``hit`` counts one and refuses it when a
limit is spent; ``check`` refuses without counting (before trying a guessable secret).

Fixed windows (the ``limits`` library's ``FixedWindowRateLimiter``): a window starts at
its first hit, one atomic increment per hit in every store, and ``Retry-After`` is exactly
when the window ends. A store that cannot be reached lets requests through (logged): an
outage of the counters must not become an outage of the platform."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from minirelease.errors import RateLimited
from minirelease.ratelimits.policy import LABELS, LimitName, RateLimitPolicy

log = logging.getLogger(__name__)

Counted = tuple[str, str, RateLimitItem]  # (dimension, who, limit)


class Limiter:
    def __init__(self, storage: Storage, policy: RateLimitPolicy) -> None:
        self._windows = FixedWindowRateLimiter(storage)
        self._policy = policy

    def hit(self, name: LimitName, *, client: str, account: str | None = None) -> None:
        """Count one request against the client's and the account's limits of ``name``;
        ``RateLimited`` when any is spent (the request counts all the same, so a client
        that keeps trying stays refused)."""
        spent: Counted | None = None
        try:
            for counted in self._limits(name, client, account):
                dimension, who, item = counted
                if not self._windows.hit(item, name, dimension, who) and spent is None:
                    spent = counted
            if spent is not None:
                raise self._refusal(name, spent)
        except StorageError as error:
            log.warning("rate limit %s not counted: %s", name, error)

    def check(self, name: LimitName, *, client: str, account: str | None = None) -> None:
        """``RateLimited`` when a limit of ``name`` is already spent; counts nothing."""
        try:
            for counted in self._limits(name, client, account):
                dimension, who, item = counted
                if not self._windows.test(item, name, dimension, who):
                    raise self._refusal(name, counted)
        except StorageError as error:
            log.warning("rate limit %s not checked: %s", name, error)

    @contextmanager
    def guarding(
        self,
        name: LimitName,
        *,
        client: str,
        account: str | None = None,
        failures: tuple[type[Exception], ...],
    ) -> Iterator[None]:
        """Around trying a guessable secret: refused before the try once a limit is spent,
        and a try that fails with one of ``failures`` counts."""
        self.check(name, client=client, account=account)
        try:
            yield
        except failures:
            self.hit(name, client=client, account=account)
            raise

    def _limits(self, name: LimitName, client: str, account: str | None) -> Iterator[Counted]:
        for item in self._policy.per_client.get(name, ()):
            yield "client", client, item
        if account is not None:
            for item in self._policy.per_account.get(name, ()):
                yield "account", account, item

    def _refusal(self, name: LimitName, spent: Counted) -> RateLimited:
        dimension, who, item = spent
        reset_at = self._windows.get_window_stats(item, name, dimension, who).reset_time
        wait = max(1, math.ceil(reset_at - time.time()))
        return RateLimited(
            f"too many {LABELS[name]} from this {dimension} "
            f"(at most {item.amount} per {_window(item)}); try again in {wait} seconds",
            retry_after=wait,
            limit=name.value,
        )


def _window(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"
