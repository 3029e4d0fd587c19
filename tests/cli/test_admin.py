from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from minirelease.accounts import service as accounts
from minirelease.accounts import signin
from minirelease.accounts.console_sessions import SessionLifetimes
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


def _signs_in(url: str, email: str, password: str) -> bool:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return (
                signin.sign_in(
                    session,
                    email=email,
                    password=password,
                    client="test",
                    limits=signin.SignInLimits(),
                    lifetimes=SessionLifetimes(),
                )
                is not None
            )
    finally:
        engine.dispose()


def test_create_user_with_a_password_from_stdin(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert main(["admin", "create-user", "pw@example.com", "--password-stdin", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["has_password"] is True
    assert _signs_in(cli_env, "pw@example.com", "a long enough secret")
    assert not _signs_in(cli_env, "pw@example.com", "a long enough secret\n")


def test_set_password_replaces_it_and_is_audited(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["admin", "create-user", "sp@example.com"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("first password here\n"))
    assert main(["admin", "set-password", "sp@example.com", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("second password here\n"))
    assert main(["admin", "set-password", "sp@example.com", "--password-stdin"]) == 0
    assert "password set for sp@example.com" in capsys.readouterr().out
    assert not _signs_in(cli_env, "sp@example.com", "first password here")
    assert _signs_in(cli_env, "sp@example.com", "second password here")
    engine = make_engine(cli_env)
    with make_session_factory(engine)() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.password.set")
        ).all()
        assert len(events) == 2
        assert all(
            "hash" not in str(e.after) and "password here" not in str(e.after) for e in events
        )
    engine.dispose()


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("short\n", "at least 10 characters"), ("\n", "no password on standard input")],
)
def test_bad_passwords_are_refused_and_change_nothing(
    cli_env: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    message: str,
) -> None:
    assert main(["db", "upgrade"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["admin", "create-user", "bad@example.com", "--password-stdin"]) == 1
    assert message in capsys.readouterr().err
    engine = make_engine(cli_env)
    with make_session_factory(engine)() as session:
        assert session.scalars(select(User)).all() == []
    engine.dispose()


def test_set_password_for_an_unknown_user_fails(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert main(["admin", "set-password", "ghost@example.com", "--password-stdin"]) == 1
    assert "no user with email" in capsys.readouterr().err
