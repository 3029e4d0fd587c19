"""A client on one application built once for the whole session. Building the app costs
about 0.1 s and these suites send well over a thousand requests, each test on its own
scenario; each test points the shared app at its own transaction and data directory,
exactly what ``create_app`` would have wired.

The suites of one request per case (the permission matrix, the hostile inputs) build the
scenario once per module and database instead, and run each case in a savepoint of it
(tests/api/worlds.py): ``scenario_world``, ``scenario_case`` and ``case_client``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from minirelease.config import Settings
from tests.api import worlds
from tests.api.scenario import Scenario, build_scenario
from tests.api.worlds import Case, World


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return worlds.unbound_app(tmp_path_factory.mktemp("shared-app"))


@pytest.fixture
def api_client(
    shared_app: FastAPI, settings: Settings, session_factory: sessionmaker[Any]
) -> Iterator[TestClient]:
    with worlds.serve(shared_app, settings, session_factory) as client:
        yield client


@pytest.fixture(scope="module")
def scenario_world(
    engine: Engine, shared_app: FastAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World[Scenario]]:
    """The scenario (tests/api/scenario.py), built once per module and database."""
    directory = tmp_path_factory.mktemp("scenario")
    with worlds.world(engine, directory, build_scenario) as built:
        # The app's first start on a database records its signing key: once, in the world.
        with worlds.serve(shared_app, built.settings, built.session_factory):
            pass
        yield built


@pytest.fixture
def scenario_case(scenario_world: World[Scenario]) -> Iterator[Case]:
    """A test case in the scenario: its rows and files are gone after it."""
    with worlds.case(scenario_world) as case:
        yield case


@pytest.fixture
def case_client(shared_app: FastAPI, scenario_case: Case) -> Iterator[TestClient]:
    """A client on the shared app, pointed at the test case (lifespan and all)."""
    with worlds.serve(shared_app, scenario_case.settings, scenario_case.session_factory) as client:
        yield client
