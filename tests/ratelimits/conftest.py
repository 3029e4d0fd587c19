"""Rate limits with small numbers, counted where a deployment counts them: the database
(PostgreSQL's table, or the SQLite file beside the database), unless a test says Redis."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import sessionmaker

from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.db import make_engine
from minirelease.ratelimits.models import RateLimitCounter
from tests.engines import SHARED_LAB

LOW_LIMITS: dict[str, Any] = {
    "rate_limit_storage": None,  # the database
    "rate_limit_failed_auth_per_client": "3/minute",
    "rate_limit_invitation_guesses_per_client": "4/hour",
    "rate_limit_invitation_guesses_per_account": "2/hour",
    "rate_limit_uploads_per_client": "100/hour",
    "rate_limit_uploads_per_account": "2/hour",
    "rate_limit_compat_runs_per_client": "100/hour",
    "rate_limit_compat_runs_per_account": "1/hour",
}

MakeClient = Callable[..., TestClient]


@pytest.fixture
def redis_url() -> str:
    """Redis at 127.0.0.1:6379 (or ``MINIRELEASE_TEST_REDIS_URL``): required on CI, the
    tests that need it skipped elsewhere when it is not running."""
    import redis

    url = os.environ.get("MINIRELEASE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") or os.environ.get("MINIRELEASE_TEST_POSTGRES"):
            raise
        pytest.skip(f"no Redis at {url}")
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def limited_settings(settings: Settings, engine: Engine) -> Iterator[Settings]:
    # The counters are counted on connections of their own: on PostgreSQL, in the test
    # schema the session's engine reaches through its connect arguments.
    url = _url_with_schema(engine)
    limited = settings.model_copy(update={**LOW_LIMITS, "database_url": url})
    limited.ensure_dirs()
    counters = _counters_engine(limited)
    _clear(counters)  # PostgreSQL's table outlives the test's transaction
    yield limited
    _clear(counters)
    counters.dispose()


@pytest.fixture
def make_client(
    limited_settings: Settings, session_factory: sessionmaker[Any]
) -> Iterator[MakeClient]:
    """Apps (as many processes) on the test's database, with the low limits."""
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = limited_settings.model_copy(update=overrides)
        app = create_app(settings, session_factory=session_factory, run_jobs=False, lab=SHARED_LAB)
        client = TestClient(app, raise_server_exceptions=True)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def limited_client(make_client: MakeClient) -> TestClient:
    return make_client()


def _url_with_schema(engine: Engine) -> str:
    if engine.dialect.name != "postgresql":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _counters_engine(settings: Settings) -> Engine:
    if settings.database_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{settings.data_dir / 'rate-limits.sqlite3'}")
        RateLimitCounter.__table__.create(engine, checkfirst=True)
        return engine
    return make_engine(settings.database_url)


def _clear(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(RateLimitCounter.__table__))
