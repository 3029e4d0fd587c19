"""A world built once and many test cases run in it, each as if on a fresh copy.

Suites that send one request per case against the same rows (the permission matrices,
the hostile-input suite) would otherwise spend most of their time writing the same world
again for every case. Here it is written once per module and database, in a transaction
on one connection that is rolled back at the end (``world``). Each case (``case``) runs
inside a SAVEPOINT of that transaction, rolled back after it, and in the world's data
directory, put back after it as it was (what the case added removed, what it changed or
removed written back): the next case finds the world exactly as it was built, rows and
files. Sessions commit into savepoints of their own inside the case's, as in
tests/conftest.py.

``serve`` points one application at a case (its data directory, its transaction) and
runs its lifespan around the case's requests: app-level state starts afresh each time.
The rollout snapshot is reloaded, with a history of its own, so serial-keyed caches never
take a state of a rolled-back case for one of this case; the rate-limit counters are new
(in memory, or the data directory's SQLite file, put back after each case)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import sessionmaker

from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.ratelimits import Limiter
from minirelease.ratelimits.storage import open_storage
from minirelease.storage import open_blob_store
from tests.engines import REPLAYING_LAB
from tests.factories import Factory

T = TypeVar("T")


@dataclass(frozen=True)
class World(Generic[T]):
    built: T  # what the build function returned
    connection: Connection  # in the world's transaction
    session_factory: sessionmaker[Any]
    settings: Settings  # with the world's own data directory, as built


@dataclass(frozen=True)
class Case:
    settings: Settings  # the world's, data directory and all
    session_factory: sessionmaker[Any]
    factory: Factory  # writes into the case's savepoint and data directory


@contextmanager
def world(engine: Engine, directory: Path, build: Callable[[Factory], T]) -> Iterator[World[T]]:
    """The rows and files ``build`` writes, on ``engine``'s database (rolled back at the
    end) and under ``directory``."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        session_factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        settings = Settings(data_dir=directory / "world", database_url=str(engine.url))
        settings.ensure_dirs()
        built = build(Factory(session_factory, settings))
        yield World(built, connection, session_factory, settings)
    finally:
        outer.rollback()
        connection.close()


@contextmanager
def case(built: World[Any]) -> Iterator[Case]:
    """One test case in ``built``: what it writes, rows and files, is gone after it."""
    data_dir = built.settings.data_dir
    dirs, files = _contents(data_dir)
    savepoint = built.connection.begin_nested()
    try:
        yield Case(
            built.settings, built.session_factory, Factory(built.session_factory, built.settings)
        )
    finally:
        _restore(data_dir, dirs, files)
        # A case that ended the savepoint itself would leave its writes in the world for
        # the cases after it: a failure of the suite, not of the case.
        if not savepoint.is_active:
            raise RuntimeError("a test case ended its savepoint; the world is not restored")
        savepoint.rollback()


def _contents(root: Path) -> tuple[set[Path], dict[Path, bytes]]:
    """The directories and the files (with their bytes) under ``root``: a world's data
    directory holds a few small files (a package, the SQLite rate-limit counters)."""
    dirs: set[Path] = set()
    files: dict[Path, bytes] = {}
    for path in root.rglob("*"):
        if path.is_dir():
            dirs.add(path)
        else:
            files[path] = path.read_bytes()
    return dirs, files


def _restore(root: Path, dirs: set[Path], files: dict[Path, bytes]) -> None:
    """``root`` as ``_contents`` found it: what was added removed (children before their
    directories), what was changed or removed written back."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_dir() and not path.is_symlink():
            if path not in dirs:
                path.rmdir()
        elif path not in files:
            path.unlink()
    for directory in sorted(dirs):
        directory.mkdir(exist_ok=True)
    for path, data in files.items():
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)


def unbound_app(data_dir: Path) -> FastAPI:
    """An app to be pointed at each test or case in turn (``serve``): building one costs
    about 0.1 s. Compatibility runs replay (tests/engines.py)."""
    placeholder = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'unused.db'}")
    return create_app(
        placeholder, session_factory=sessionmaker(), run_jobs=False, lab=REPLAYING_LAB
    )


@contextmanager
def serve(
    app: FastAPI, settings: Settings, session_factory: sessionmaker[Any]
) -> Iterator[TestClient]:
    """A client on ``app``, pointed at ``settings`` and ``session_factory`` exactly as
    ``create_app`` would have wired them, for the duration of its lifespan."""
    settings.ensure_dirs()
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.blob_store = open_blob_store(settings)
    counters = open_storage(
        settings.rate_limit_storage, database_url=settings.database_url, data_dir=settings.data_dir
    )
    app.state.limiter = Limiter(counters.storage, settings.rate_limit_policy())
    try:
        with TestClient(app, raise_server_exceptions=True) as client:
            yield client
    finally:
        counters.close()
