"""/readyz: 503 problem+json naming what is not ready — before the migrations (and before
the rollout snapshot is loaded), and when the database stops answering (a SQLite file that
cannot be opened) or loses its schema (PostgreSQL) — and 200 once all is well again.
/healthz stays 200 throughout: it only says the process is alive."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.db import make_engine
from tests.engines import SHARED_LAB
from tests.observability.scrape import value


def not_ready(client: TestClient) -> dict[str, Any]:
    response = client.get("/readyz")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == "not_ready"
    assert client.get("/healthz").status_code == 200
    return body


def ready(client: TestClient) -> dict[str, Any]:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert all(check["ok"] for check in body["checks"].values()), body
    return body


def failing(body: dict[str, Any]) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


def _stop_sqlite(url: str, moved: Path) -> None:
    """The database file (and its WAL) moved away, a directory in its place: SQLite
    cannot open it."""
    path = Path(str(make_url(url).database))
    moved.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            shutil.move(source, moved / source.name)
    path.mkdir()


def _restart_sqlite(url: str, moved: Path) -> None:
    path = Path(str(make_url(url).database))
    path.rmdir()
    for kept in moved.iterdir():
        shutil.move(kept, path.parent / kept.name)


def _drop_schema(url: str) -> None:
    """The test's PostgreSQL schema dropped and made again, empty."""
    engine = make_engine(url)
    schema = str(make_url(url).query["options"]).removeprefix("-csearch_path=")
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def test_not_ready_until_migrated_and_loaded(empty_database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    app = create_app(settings, run_jobs=False, lab=SHARED_LAB)
    # Not started (no lifespan): the snapshot is not loaded; the schema is not there.
    body = not_ready(TestClient(app))
    assert failing(body) == {"migrations", "rollout_snapshot"}
    assert "no migrations applied" in body["detail"]
    assert "rollout snapshot is not loaded" in body["detail"]
    assert body["checks"]["database"]["ok"]

    migrate.upgrade(empty_database_url)
    with TestClient(app) as client:
        body = ready(client)
        assert body["checks"]["migrations"]["detail"].startswith("at head")


def test_not_ready_while_the_database_is_away(empty_database_url: str, tmp_path: Path) -> None:
    migrate.upgrade(empty_database_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    app = create_app(settings, run_jobs=False, lab=SHARED_LAB)
    with TestClient(app) as client:
        ready(client)
        engine = app.state.session_factory.kw["bind"]
        if empty_database_url.startswith("sqlite"):
            _stop_sqlite(empty_database_url, tmp_path / "moved")
            engine.dispose()  # new connections, as after the database restarted
            body = not_ready(client)
            assert failing(body) == {"database", "migrations"}
            assert "the database does not answer" in body["detail"]
            metrics = client.get("/metrics")  # still answers, and says the database is away
            assert metrics.status_code == 200
            assert value(metrics.text, "minirelease_database_up") == 0
            assert "minirelease_review_queue_size" not in metrics.text
            _restart_sqlite(empty_database_url, tmp_path / "moved")
        else:
            _drop_schema(empty_database_url)
            body = not_ready(client)
            assert failing(body) == {"migrations"}
            assert "no migrations applied" in body["detail"]
            migrate.upgrade(empty_database_url)
        ready(client)
