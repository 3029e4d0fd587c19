from __future__ import annotations

import json
import stat

from tests.cli.live_demo import DemoServer, demo_server

__all__ = ["demo_server"]


def test_login_checks_the_token_and_stores_it_for_its_owner_only(demo_server: DemoServer) -> None:
    token = demo_server.tokens["developer"]
    done = demo_server.cli(  # a real process, its stdin a pipe
        "login", "--server", demo_server.url, "--profile", "ci",
        user=None, stdin=token + "\n", process=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stored = demo_server.home / "config" / "profiles.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["profiles"]["ci"]["token"] == token

    # The stored profile is used when no token is in the environment.
    me = demo_server.json("whoami", "--profile", "ci", user=None, env={"MINIRELEASE_SERVER": ""})
    assert me["email"] == "developer@demo.example.com"

    out = demo_server.json("logout", "--profile", "ci", user=None)
    assert out == {"profile": "ci", "removed": True}
    refused = demo_server.cli("whoami", "--profile", "ci", user=None)
    assert refused.returncode == 3
    assert "not_logged_in" in refused.stderr


def test_a_wrong_token_is_refused_with_exit_code_3(demo_server: DemoServer) -> None:
    done = demo_server.cli("whoami", "--json", env={"MINIRELEASE_TOKEN": "mr_wrong"})
    assert done.returncode == 3
    assert json.loads(done.stdout)["error"]["status"] == 401
    assert done.stderr.startswith("error: ")
    login = demo_server.cli("login", "--server", demo_server.url, user=None, stdin="mr_wrong\n")
    assert login.returncode == 3
    assert (
        not (demo_server.home / "config" / "profiles.json").exists()
        or "mr_wrong" not in (demo_server.home / "config" / "profiles.json").read_text()
    )


def test_a_stopped_server_is_unreachable_with_exit_code_3(demo_server: DemoServer) -> None:
    done = demo_server.cli("whoami", env={"MINIRELEASE_SERVER": "http://127.0.0.1:9"})
    assert done.returncode == 3
    assert "server_unreachable" in done.stderr
    assert done.stdout == ""


def test_workspaces_list_the_callers_role(demo_server: DemoServer) -> None:
    items = demo_server.json("workspaces")
    assert [(w["id"], w["role"]) for w in items] == [(demo_server.workspace_id, "owner")]
    human = demo_server.cli("workspaces")
    assert human.returncode == 0
    assert demo_server.workspace_id in human.stdout
    assert "\x1b[" not in human.stdout  # no colour without a terminal


def test_usage_errors_exit_2(demo_server: DemoServer) -> None:
    assert demo_server.cli("whoami", "--no-such-flag").returncode == 2
    assert demo_server.cli("no-such-command").returncode == 2
