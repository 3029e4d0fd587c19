"""``serve``, ``worker`` and ``db upgrade`` migrate the database before they start; one
whose database a newer release migrated stops with one line saying so, not alembic's
traceback about a revision it cannot locate."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from minirelease import migrate
from minirelease.cli.server import prepare
from minirelease.config import Settings
from minirelease.db import make_engine


def test_a_database_behind_is_upgraded(empty_database_url: str, tmp_path: Path) -> None:
    prepare(Settings(database_url=empty_database_url, data_dir=tmp_path / "data"))
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            assert migrate.schema_state(connection).current
    finally:
        engine.dispose()


def test_a_database_ahead_stops_the_start_with_one_line(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(SystemExit) as stopped:
        prepare(Settings(database_url=empty_database_url, data_dir=tmp_path / "data"))
    message = str(stopped.value)
    assert message.startswith("error: the database is at revision 9999_future")
    assert "which this release does not know" in message
