"""A release scenario against a real server on a database of its own (SQLite or
PostgreSQL), for tests that fire requests from many threads at once; its jobs run in the
test's thread. The ``live`` fixture is registered for every test by tests/conftest.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import WorkerPool
from tests.engines import SHARED_LAB
from tests.factories import Factory
from tests.releases.concurrency import (
    Call,
    assert_succeeded_or_refused,
    at_once,
    audit_mark,
    release_events,
)
from tests.releases.flow import Scenario, scenario
from tests.releases.live import serving_in_thread


@dataclass
class LiveScenario(Scenario):
    """A scenario whose client talks to a real server; jobs run in the test's thread."""

    pool: WorkerPool | None = None
    sessions: sessionmaker[Any] | None = None
    factory: Factory | None = None
    base_url: str = ""

    def run_jobs(self) -> int:
        assert self.pool is not None
        return int(self.pool.run_pending())

    def mark(self) -> str:
        assert self.sessions is not None
        return audit_mark(self.sessions)

    def events(self, release_id: str, mark: str) -> list[Any]:
        assert self.sessions is not None
        return release_events(self.sessions, release_id, mark)

    def fire(self, calls: list[Call]) -> list[Any]:
        return assert_succeeded_or_refused(at_once(self.base_url, calls))

    def tested(self, version: str) -> str:
        """Upload, build and test a release of ``version``."""
        self.upload(version)
        release_id = self.release(version)
        self.run_jobs()
        self.ok("POST", f"/releases/{release_id}/compatibility-runs")
        self.run_jobs()
        assert self.status(release_id) == "tested"
        return release_id

    def in_grayscale(self, percentage: float) -> tuple[str, str]:
        """1.0.0 fully released, then 1.1.0 in a grayscale: (online id, grayscale id)."""
        self.upload("1.0.0")
        online = self.approved("1.0.0")
        self.ok("POST", f"/releases/{online}/full-release")
        self.upload("1.1.0")
        release_id = self.approved("1.1.0")
        self.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": percentage})
        return online, release_id


@pytest.fixture
def live(empty_database_url: str, tmp_path: Path) -> Iterator[LiveScenario]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    app = create_app(settings, sessions, run_jobs=False, lab=SHARED_LAB)
    factory = Factory(sessions, settings)
    try:
        with (
            serving_in_thread(app) as base_url,
            httpx2.Client(base_url=base_url, timeout=30) as client,
        ):
            base = scenario(client, factory)  # type: ignore[arg-type]
            fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
            yield LiveScenario(
                **fields, pool=app.state.jobs, sessions=sessions, factory=factory, base_url=base_url
            )
    finally:
        engine.dispose()
