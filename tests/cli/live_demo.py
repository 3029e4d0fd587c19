"""A real ``minirelease demo`` server for the client commands' tests, and a way to run
``minirelease`` against it as CI would: a process of its own, no terminal, the token in
the environment. One server per test module and database (seeding takes seconds)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.databases import own_database_url
from tests.releases.live import ROOT, ServerProcess, wait_until

_TOKEN_LINE = re.compile(r"^  ([a-z-]+)\s+(mr_\S+)$", re.M)
_IDS_LINE = re.compile(r"workspace (\S+)  mini program (\S+) \(app_id (\S+)\)")


@dataclass
class DemoServer:
    server: ServerProcess
    tokens: dict[str, str]
    workspace_id: str
    mini_program_id: str
    app_id: str
    home: Path  # the CLI's config directory and working directory

    @property
    def url(self) -> str:
        return self.server.base_url

    def env(self, user: str | None = "owner", **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("MINIRELEASE_") or key == "MINIRELEASE_PASSWORD_HASHING"
        }
        env["MINIRELEASE_CONFIG_DIR"] = str(self.home / "config")
        env["MINIRELEASE_SERVER"] = self.url
        env["MINIRELEASE_CLI_RETRIES"] = "0"
        if user is not None:
            env["MINIRELEASE_TOKEN"] = self.tokens[user]
        env.update(extra)
        return env

    def cli(
        self,
        *args: str,
        user: str | None = "owner",
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "minirelease.cli.main", *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=self.env(user, **(env or {})),
            cwd=self.home,
            timeout=timeout,
            check=False,
        )

    def json(self, *args: str, user: str | None = "owner", **kwargs: Any) -> Any:
        """Run with ``--json`` and expect success: the parsed document on stdout."""
        done = self.cli(*args, "--json", user=user, **kwargs)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return json.loads(done.stdout)


def _welcome(server: ServerProcess) -> str:
    return wait_until(lambda: "API tokens" in server.log() and server.log(), timeout=60)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    root = tmp_path_factory.mktemp("demo")
    (root / "home").mkdir()
    with own_database_url(request.param, root) as url:
        server = ServerProcess(
            url,
            root / "data",
            root / "server.log",
            command=("demo",),
        )
        try:
            server.wait_ready(timeout=60)
            welcome = _welcome(server)
            ids = _IDS_LINE.search(welcome)
            assert ids is not None, welcome
            yield DemoServer(
                server=server,
                tokens=dict(_TOKEN_LINE.findall(welcome)),
                workspace_id=ids.group(1),
                mini_program_id=ids.group(2),
                app_id=ids.group(3),
                home=root / "home",
            )
        finally:
            server.stop()


__all__ = ["ROOT", "DemoServer", "demo_server"]
