"""Many requests at once against a real server on a database of its own (SQLite and
PostgreSQL): reads do not queue behind the write lock, writes queue on it rather than
fail, and a pool with no connection left answers 503 ``database_busy`` with
``Retry-After``, never 500."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, text

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from tests.engines import SHARED_LAB
from tests.factories import Factory
from tests.releases.concurrency import API
from tests.releases.live import serving_in_thread
from tests.releases.live_scenario import LiveScenario

READERS = 200
# method, path, headers, JSON body
Request = tuple[str, str, dict[str, str], object]
WRITERS = 50


def _at_once(base_url: str, requests: list[Request]) -> list[httpx2.Response]:
    """Each request from a thread of its own, released together by one barrier, through
    one client whose pool opens a connection for each (after the barrier: opened earlier,
    one could reach uvicorn's keep-alive timeout while 200 threads start)."""
    barrier = threading.Barrier(len(requests))
    limits = httpx2.Limits(max_connections=len(requests), max_keepalive_connections=0)

    with httpx2.Client(base_url=base_url, timeout=60, limits=limits) as client:

        def send(request: Request) -> httpx2.Response:
            method, path, headers, body = request
            barrier.wait(timeout=30)
            return client.request(method, f"{API}{path}", headers=headers, json=body)

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(send, requests))


def _statuses(responses: list[httpx2.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def test_many_reads_and_writes_at_once_all_succeed(live: LiveScenario) -> None:
    path = f"/mini-programs/{live.mini_program_id}"
    headers = live.developer.headers
    reads = [("GET", path, headers, None)] * READERS
    writes = [("PATCH", path, headers, {"description": f"edit {n}"}) for n in range(WRITERS)]

    read_statuses = _statuses(_at_once(live.base_url, reads))
    assert read_statuses == {200: READERS}

    write_statuses = _statuses(_at_once(live.base_url, writes))
    assert write_statuses == {200: WRITERS}
    final = live.ok("GET", path)["description"]
    assert final in {f"edit {n}" for n in range(WRITERS)}


def test_reads_and_writes_mixed_all_succeed(live: LiveScenario) -> None:
    path = f"/mini-programs/{live.mini_program_id}"
    headers = live.developer.headers
    mixed = [("GET", path, headers, None)] * (READERS // 2) + [
        ("PATCH", path, headers, {"description": f"edit {n}"}) for n in range(WRITERS)
    ]
    assert _statuses(_at_once(live.base_url, mixed)) == {200: READERS // 2 + WRITERS}


def test_reads_do_not_wait_for_a_writer(live: LiveScenario) -> None:
    """A transaction holding the write lock (SQLite) or the row's lock (PostgreSQL) for
    the whole test: reads go on, from the last commit."""
    path = f"/mini-programs/{live.mini_program_id}"
    reads = [("GET", path, live.developer.headers, None)] * WRITERS
    assert live.sessions is not None
    engine = live.sessions.kw["bind"]
    with engine.connect() as writer:
        writer.begin()  # on SQLite: BEGIN IMMEDIATE, the write lock
        writer.execute(
            text("UPDATE mini_programs SET description = 'uncommitted' WHERE id = :id"),
            {"id": live.mini_program_id},
        )
        started = time.monotonic()
        responses = _at_once(live.base_url, reads)
        elapsed = time.monotonic() - started
        writer.rollback()
    assert _statuses(responses) == {200: WRITERS}
    assert {response.json()["description"] for response in responses} == {"a test mini program"}
    # Well inside SQLite's busy timeout (10 s), which reads taking the lock would wait out.
    assert elapsed < 5, elapsed


@pytest.fixture
def one_connection_server(
    empty_database_url: str, tmp_path: Path
) -> Iterator[tuple[str, Engine, dict[str, str], str]]:
    """A server whose pool holds one connection, waited for 0.2 s at most."""
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    sessions = make_session_factory(engine)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    app = create_app(settings, sessions, run_jobs=False, lab=SHARED_LAB)
    factory = Factory(sessions, settings)
    workspace, owner = factory.workspace()
    mini_program = factory.mini_program(workspace, owner)
    try:
        with serving_in_thread(app) as base_url:
            yield base_url, engine, owner.headers, mini_program.id
    finally:
        engine.dispose()


def test_exhausted_pool_is_503_with_retry_after(
    one_connection_server: tuple[str, Engine, dict[str, str], str],
) -> None:
    base_url, engine, headers, mini_program_id = one_connection_server
    with httpx2.Client(base_url=base_url, timeout=30) as client:
        path = f"{API}/mini-programs/{mini_program_id}"
        assert client.get(path, headers=headers).status_code == 200
        # The test holds the only connection: every request that needs one waits, then
        # is told to come back.
        with engine.connect():
            for method, body in (("GET", None), ("PATCH", {"description": "later"})):
                response = client.request(method, path, headers=headers, json=body)
                assert response.status_code == 503, response.text
                assert response.headers["content-type"] == "application/problem+json"
                assert response.headers["retry-after"] == "1"
                assert response.json()["code"] == "database_busy"
        assert client.get(path, headers=headers).status_code == 200
