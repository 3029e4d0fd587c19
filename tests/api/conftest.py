"""A client on one application built once for the whole session. Building the app costs
about 0.1 s and these suites send well over a thousand requests, each test on its own
scenario; each test points the shared app at its own transaction and data directory,
exactly what ``create_app`` would have wired."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.ratelimits import Limiter
from minirelease.ratelimits.storage import open_storage
from minirelease.storage import open_blob_store
from tests.engines import SHARED_LAB


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data_dir = tmp_path_factory.mktemp("shared-app")
    placeholder = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'unused.db'}")
    return create_app(placeholder, session_factory=sessionmaker(), run_jobs=False, lab=SHARED_LAB)


@pytest.fixture
def api_client(
    shared_app: FastAPI, settings: Settings, session_factory: sessionmaker[Any]
) -> Iterator[TestClient]:
    settings.ensure_dirs()
    shared_app.state.settings = settings
    shared_app.state.session_factory = session_factory
    shared_app.state.blob_store = open_blob_store(settings)
    counters = open_storage(
        settings.rate_limit_storage, database_url=settings.database_url, data_dir=settings.data_dir
    )
    shared_app.state.limiter = Limiter(counters.storage, settings.rate_limit_policy())
    with TestClient(shared_app, raise_server_exceptions=True) as client:
        yield client
    counters.close()
