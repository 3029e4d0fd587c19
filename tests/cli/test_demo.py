from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from minirelease.accounts import service as accounts
from minirelease.accounts import signin
from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.models import User
from minirelease.cli.main import main
from minirelease.db import make_engine, make_session_factory
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.models import PartnerApp, PartnerReviewer
from minirelease.workspaces.models import DeveloperAssignment, Membership


def _tokens(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  ([a-z-]+)\s+(mr_\S+)$", output, flags=re.M))


def _passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\S+@demo\.example\.com)\s+(\S+)$", output, flags=re.M))


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty_database_url: str) -> str:
    monkeypatch.setenv("MINIRELEASE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MINIRELEASE_DATABASE_URL", empty_database_url)
    return empty_database_url


def test_demo_seeds_everyone_and_is_idempotent(
    demo_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve"]) == 0
    output = capsys.readouterr().out
    first = _tokens(output)
    assert set(first) >= {"admin", "platform-reviewer", "owner", "master", "developer"}
    passwords = _passwords(output)
    assert set(passwords) == {f"{name}@demo.example.com" for name in first}
    assert "/login" in output
    assert main(["demo", "--no-serve"]) == 0
    output = capsys.readouterr().out
    second = _tokens(output)
    assert set(first) == set(second) and not set(first.values()) & set(second.values())
    assert _passwords(output) == passwords  # the same passwords on every run

    engine = make_engine(demo_env)
    with make_session_factory(engine)() as session:
        roles = sorted(session.scalars(select(Membership.role)))
        assert roles == ["developer", "master", "owner"]
        assert session.scalar(select(func.count()).select_from(DeveloperAssignment)) == 1
        profiles = [p.capability_profile for p in session.scalars(select(PartnerApp))]
        assert len(profiles) >= 2 and len({str(p) for p in profiles}) == len(profiles)
        assert session.scalar(select(func.count()).select_from(PartnerReviewer)) == len(profiles)
        assert session.scalar(select(func.count()).where(User.is_platform_reviewer)) == 1
        assert session.scalar(select(func.count()).select_from(MiniProgram)) == 1
        assert session.scalar(select(func.count()).select_from(Version)) == 1
        for token in second.values():
            accounts.authenticate(session, token)
        for email, password in passwords.items():
            signed_in = signin.sign_in(
                session,
                email=email,
                password=password,
                client="test",
                limits=signin.SignInLimits(),
                lifetimes=SessionLifetimes(),
            )
            assert signed_in is not None, email
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_serves_the_api_on_localhost(tmp_path: Path) -> None:
    """The README's first command, minus the venv: a fresh data dir, SQLite, served."""
    port = _free_port()
    env = {**os.environ, "MINIRELEASE_DATA_DIR": str(tmp_path / "fresh")}
    env.pop("MINIRELEASE_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "minirelease.cli.main", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:  # tokens come before the server starts
            lines.append(line)
            if "for the whole API" in line:
                break
        tokens = _tokens("".join(lines))
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx2.get(f"{base}/healthz", timeout=1)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "demo server did not start"
                time.sleep(0.2)
        me = httpx2.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {tokens['owner']}"})
        assert me.json()["email"].startswith("owner@")
        mine = httpx2.get(
            f"{base}/api/v1/workspaces", headers={"Authorization": f"Bearer {tokens['owner']}"}
        )
        assert mine.json()["items"][0]["role"] == "owner"
    finally:
        process.terminate()
        process.communicate(timeout=10)  # drains and closes the pipe
