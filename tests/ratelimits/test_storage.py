"""Where the counters live: with no setting, the database every process shares (on SQLite
a file of its own beside it); Redis when configured; memory for one process."""

from __future__ import annotations

from pathlib import Path

import pytest
from limits import parse
from limits.storage import MemoryStorage, RedisStorage

from minirelease.config import Settings, SettingsError, load_settings
from minirelease.errors import RateLimited
from minirelease.ratelimits import Limiter, LimitName, RateLimitPolicy
from minirelease.ratelimits.sql_storage import SqlStorage
from minirelease.ratelimits.storage import SQLITE_FILE, open_storage

POLICY = RateLimitPolicy(per_client={LimitName.UPLOAD: (parse("2/minute"),)})


def _two_processes_share_counts(first: Limiter, second: Limiter) -> None:
    first.hit(LimitName.UPLOAD, client="10.1.1.1")
    second.hit(LimitName.UPLOAD, client="10.1.1.1")
    with pytest.raises(RateLimited):
        first.hit(LimitName.UPLOAD, client="10.1.1.1")


def test_by_default_the_counters_are_on_the_database(limited_settings: Settings) -> None:
    opened = [
        open_storage(
            None, database_url=limited_settings.database_url, data_dir=limited_settings.data_dir
        )
        for _ in range(2)
    ]
    try:
        assert all(isinstance(store.storage, SqlStorage) for store in opened)
        sidecar = limited_settings.data_dir / SQLITE_FILE
        assert sidecar.exists() == limited_settings.database_url.startswith("sqlite")
        _two_processes_share_counts(*(Limiter(store.storage, POLICY) for store in opened))
    finally:
        for store in opened:
            store.close()


def test_redis_when_configured(redis_url: str, tmp_path: Path) -> None:
    opened = [
        open_storage(redis_url, database_url="sqlite://", data_dir=tmp_path) for _ in range(2)
    ]
    assert all(isinstance(store.storage, RedisStorage) for store in opened)
    _two_processes_share_counts(*(Limiter(store.storage, POLICY) for store in opened))
    assert not (tmp_path / SQLITE_FILE).exists()


def test_memory_counts_in_this_process_only(tmp_path: Path) -> None:
    first, second = (
        open_storage("memory://", database_url="sqlite://", data_dir=tmp_path) for _ in range(2)
    )
    assert isinstance(first.storage, MemoryStorage)
    one, other = Limiter(first.storage, POLICY), Limiter(second.storage, POLICY)
    for _ in range(2):
        one.hit(LimitName.UPLOAD, client="c")
    other.hit(LimitName.UPLOAD, client="c")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RATE_LIMIT_UPLOADS_PER_ACCOUNT", "lots", "must be limits such as 30/minute"),
        ("RATE_LIMIT_FAILED_AUTH_PER_CLIENT", "0/minute", "must be limits such as"),
        ("RATE_LIMIT_STORAGE", "mongodb://db", "must start with redis://"),
    ],
)
def test_bad_settings_name_their_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({f"MINIRELEASE_{variable}": value})
    assert f"MINIRELEASE_{variable}" in str(refused.value)
    assert message in str(refused.value)


def test_limits_may_be_several_windows() -> None:
    settings = load_settings({"MINIRELEASE_RATE_LIMIT_UPLOADS_PER_ACCOUNT": "5/minute;50/day"})
    [per_minute, per_day] = settings.rate_limit_policy().per_account[LimitName.UPLOAD]
    assert (per_minute.amount, per_day.amount) == (5, 50)
