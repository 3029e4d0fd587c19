from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from minirelease.accounts import service as accounts
from minirelease.accounts.models import User
from minirelease.audit import AuditEvent
from minirelease.cli.main import main
from minirelease.db import make_engine, make_session_factory


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty_database_url: str) -> str:
    monkeypatch.setenv("MINIRELEASE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MINIRELEASE_DATABASE_URL", empty_database_url)
    return empty_database_url


def test_create_user_prints_a_working_token(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "create-user", "Ops@Example.com", "--platform-admin", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["email"] == "ops@example.com"
    engine = make_engine(cli_env)
    with make_session_factory(engine)() as session:
        principal = accounts.authenticate(session, printed["token"])
        assert principal.is_platform_admin
        assert session.scalar(
            select(AuditEvent.action).where(AuditEvent.target_id == printed["id"])
        )
    engine.dispose()


def test_duplicate_user_exits_non_zero_and_changes_nothing(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "create-user", "a@example.com"]) == 0
    assert "API token (shown once): mr_" in capsys.readouterr().out
    assert main(["admin", "create-user", "A@example.com"]) == 1
    assert "already exists" in capsys.readouterr().err
    engine = make_engine(cli_env)
    with make_session_factory(engine)() as session:
        assert len(session.scalars(select(User)).all()) == 1
    engine.dispose()


def test_invalid_email_is_refused(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "create-user", "nope"]) == 1
    assert "not a valid email" in capsys.readouterr().err


def test_db_upgrade_reports_head(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "database at head" in capsys.readouterr().out
