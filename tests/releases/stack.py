"""Real ``minirelease serve`` processes on a database and data directory of their own, and
what tests of restarts, crashes and engine isolation do with them: upload a package,
choose an app, read a release, count audit events, find a subject's job. The ``stack``
fixture is registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease import migrate
from minirelease.audit import AuditEvent
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import Job
from tests.factories import Actor, Factory
from tests.miniprograms.test_versions_api import upload
from tests.releases.heavy_package import ROOMY_LIMITS
from tests.releases.live import ServerProcess

API = "/api/v1"


@dataclass
class Stack:
    url: str
    data_dir: Path
    logs: Path
    sessions: sessionmaker[Any]
    developer: Actor
    mini_program_id: str
    partner: str
    servers: list[ServerProcess]

    def serve(self, env: Mapping[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(
            self.url, self.data_dir, self.logs / f"server{len(self.servers)}.log", env=env
        )
        self.servers.append(server)
        server.wait_ready()
        return server

    def client(self, server: ServerProcess) -> httpx2.Client:
        return httpx2.Client(base_url=server.base_url, headers=self.developer.headers, timeout=60)

    def release(self, client: httpx2.Client, package: bytes, version: str = "1.0.0") -> str:
        """Upload ``package`` as ``version`` and choose the stack's partner app for it."""
        sender: Any = client  # upload() is written for TestClient, an httpx2.Client too
        uploaded = upload(sender, self.mini_program_id, package, {}, version=version)
        assert uploaded.status_code == 201, uploaded.text
        created = client.post(
            f"{API}/mini-programs/{self.mini_program_id}/releases",
            json={"version": version, "partner_app": self.partner},
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def job(self, release_or_run_id: str) -> Job:
        with self.sessions() as session:
            jobs = session.scalars(select(Job).where(Job.subject_id == release_or_run_id)).all()
        assert len(jobs) == 1, jobs
        return jobs[0]

    def events(self, release_id: str, action: str) -> int:
        with self.sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.target_id == release_id, AuditEvent.action == action)
                )
                or 0
            )


def read(client: httpx2.Client, path: str) -> dict[str, Any]:
    response = client.get(f"{API}{path}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def stack(empty_database_url: str, tmp_path: Path) -> Iterator[Stack]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    data_dir = tmp_path / "data"
    factory = Factory(sessions, Settings(data_dir=data_dir, database_url=empty_database_url))
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner)
    partner = factory.partner_app(package_limits=dict(ROOMY_LIMITS))
    built = Stack(
        url=empty_database_url,
        data_dir=data_dir,
        logs=tmp_path,
        sessions=sessions,
        developer=factory.member(workspace, "developer", mini_programs=(mp,)),
        mini_program_id=mp.id,
        partner=partner.code,
        servers=[],
    )
    try:
        yield built
    finally:
        for server in built.servers:
            server.stop()
        engine.dispose()
