"""An app that refuses to start (its database behind its code) closes what it opened: the
engine it made for itself holds no connection afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.config import Settings
from tests.engines import SHARED_LAB


def test_a_refused_start_disposes_the_apps_own_engine(
    empty_database_url: str, tmp_path: Path
) -> None:
    (head,) = migrate.scripts().get_heads()
    previous = migrate.scripts().get_revision(head).down_revision
    assert isinstance(previous, str)
    migrate.upgrade(empty_database_url, revision=previous)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    app = create_app(settings, run_jobs=False, lab=SHARED_LAB)  # an engine of its own
    engine = app.state.session_factory.kw["bind"]
    with pytest.raises(migrate.SchemaNotCurrent), TestClient(app):
        pass
    assert engine.pool.checkedin() == 0  # disposed: the check's connection is closed
    assert engine.pool.checkedout() == 0
