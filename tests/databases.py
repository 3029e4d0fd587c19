"""Databases of a test's own: a SQLite file, or a fresh schema on the PostgreSQL server
(``MINIRELEASE_TEST_POSTGRES_URL``), dropped at the end. Required on CI, skipped locally
when no PostgreSQL server answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from minirelease.db import make_engine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("MINIRELEASE_TEST_POSTGRES") == "1"


def postgres_engine() -> tuple[Engine, str]:
    """An engine whose search path is a new, empty schema; and that schema's name."""
    url = os.environ.get("MINIRELEASE_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    schema = f"mr_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        if postgres_required():
            raise
        pytest.skip(f"PostgreSQL not reachable at {url} ({exc.orig}); CI requires it")
    admin.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


@contextmanager
def own_database_url(kind: str, directory: Path) -> Iterator[str]:
    """A URL to an empty database of its own: ``kind`` is ``sqlite`` or ``postgresql``."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'own.db'}"
        return
    engine, schema = postgres_engine()
    url = engine.url.set(query={"options": f"-csearch_path={schema}"})
    engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        admin = make_engine(str(url.set(query={})))
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
