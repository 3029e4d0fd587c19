"""The demo's world served for the client commands' tests, and a way to run
``minirelease`` against it as CI would: no terminal, the token in the environment. One
server per test module and database (seeding takes seconds): ``minirelease demo``'s own
seed, the app (jobs running) served by uvicorn on a thread with the connection options
``demo`` serves with. The ``demo`` command as a process of its own is tests/cli/test_demo.py's.

A command runs in the test's process by default (``main(argv)`` with its own environment,
working directory, stdin, stdout and stderr, as click's test runner isolates them): a new
Python per command cost a second of start-up and is no part of what most steps check.
``process=True`` runs it as a process of its own, as CI would; each command family's tests
keep at least one such run.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from minirelease.cli import waiting
from minirelease.cli.main import main
from tests.databases import own_database_url
from tests.engines import SHARED_LAB
from tests.releases.live import ROOT
from tests.web.browser.live import serving_demo

# How often ``--wait`` polls in the test's process (0.5 s in a real run): the demo server
# is on this machine, a poll costs it milliseconds.
_POLL_SECONDS = 0.05


@dataclass
class DemoServer:
    url: str
    tokens: dict[str, str]
    workspace_id: str
    mini_program_id: str
    app_id: str
    home: Path  # the CLI's config directory and working directory

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
        process: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """``minirelease ARGS`` as ``user`` (None: no token); in a process of its own with
        ``process`` (``timeout`` bounds it), else in the test's process."""
        full_env = self.env(user, **(env or {}))
        if process:
            return subprocess.run(
                [sys.executable, "-m", "minirelease.cli.main", *args],
                input=stdin if stdin is not None else "",
                capture_output=True,
                text=True,
                env=full_env,
                cwd=self.home,
                timeout=timeout,
                check=False,
            )
        return run_in_process(list(args), full_env, self.home, stdin or "")

    def json(self, *args: str, user: str | None = "owner", **kwargs: Any) -> Any:
        """Run with ``--json`` and expect success: the parsed document on stdout."""
        done = self.cli(*args, "--json", user=user, **kwargs)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return json.loads(done.stdout)


def run_in_process(
    args: list[str], env: Mapping[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``main(args)`` with exactly ``env``'s MINIRELEASE_ variables (and its others), ``cwd``
    and ``stdin``; what it wrote, as a finished process would give it."""
    overrides: dict[str, str | None] = {
        key: None for key in os.environ if key.startswith("MINIRELEASE_") and key not in env
    }
    overrides.update(env)
    runner = CliRunner()
    with (
        contextlib.chdir(cwd),
        runner.isolation(input=stdin, env=overrides) as (out, err, _),
        _patched(waiting, "POLL_SECONDS", _POLL_SECONDS),
    ):
        code = main(args)
        sys.stdout.flush()
        sys.stderr.flush()
    return subprocess.CompletedProcess(
        ["minirelease", *args], code, out.getvalue().decode(), err.getvalue().decode()
    )


@contextlib.contextmanager
def _patched(module: Any, name: str, value: Any) -> Iterator[None]:
    before = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, before)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    root = tmp_path_factory.mktemp("demo")
    (root / "home").mkdir()
    with (
        own_database_url(request.param, root) as url,
        # As ``minirelease demo`` sets it: its webhooks may reach receivers on this machine.
        serving_demo(
            url, root / "data", lab=SHARED_LAB, wire=True, webhooks_allow_private=True
        ) as live,
    ):
        people = live.people
        yield DemoServer(
            url=live.url,
            tokens=people.tokens,
            workspace_id=people.workspace_id,
            mini_program_id=people.mini_program_id,
            app_id=people.app_id,
            home=root / "home",
        )


__all__ = ["ROOT", "DemoServer", "demo_server", "run_in_process"]
