"""``release`` commands against a demo server, as a CI job and reviewers would run them:
create and wait for the builds, configure, test, apply, both reviews, full release, with
``--json`` parsed at each step and ``status`` saying who must act next."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.live_demo import ROOT, DemoServer, demo_server
from tests.cli.programs import SAMPLE, upload

__all__ = ["demo_server"]

# (Typer itself loads pydantic, so it is no sign of the server.)
SERVER_MODULES = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "uvicorn",
    "minirelease.api",
    "minirelease.db",
)


def test_release_and_compat_commands_load_nothing_of_the_server() -> None:
    script = (
        "import sys\n"
        "from minirelease.cli.main import main\n"
        "for command in (['release', 'status'], ['release', 'pause'], ['compat', 'run']):\n"
        "    assert main([*command, '--help']) == 0\n"
        f"print(sorted(m for m in sys.modules if m.startswith({SERVER_MODULES!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.slow
def test_a_release_from_create_to_released(demo_server: DemoServer, tmp_path: Path) -> None:
    demo, mp = demo_server, demo_server.mini_program_id
    created = demo.json(
        "release", "create", "--mini-program", mp, "--version", "1.0.0",
        "--partner-app", "superapp", "--partner-app", "wallet", "--wait",
    )  # fmt: skip
    assert [(r["partner_app"], r["status"], r["build"]["status"]) for r in created] == [
        ("superapp", "awaiting_test", "succeeded"),
        ("wallet", "awaiting_test", "succeeded"),
    ]
    rid, other = created[0]["id"], created[1]["id"]

    assert demo.json("release", "config", "show", rid)["minify_css"] is True
    rebuilt = demo.json("release", "config", "set", rid, "--set", "minify_css=false", "--wait")
    assert rebuilt["configuration"]["minify_css"] is False
    assert (rebuilt["build"]["number"], rebuilt["build"]["status"]) == (2, "succeeded")
    assert demo.cli("release", "config", "set", rid).returncode == 2  # nothing to change

    assert demo.json("release", "status", rid)["waiting_for"] == {
        "actor": "team",
        "detail": f"a compatibility run: minirelease compat run {rid} --wait",
    }
    # An action the release's step does not allow: exit 1, the server's code.
    refused = demo.cli("release", "apply", rid, "--json", process=True)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["code"] == "invalid_transition"
    assert refused.stderr.startswith("error: ") and "[invalid_transition]" in refused.stderr

    run = demo.json("compat", "run", rid, "--wait")
    assert (run["status"], run["scope"], run["check"]["failed"]) == ("finished", "full", False)

    basic_info = tmp_path / "basic.json"
    basic_info.write_text(json.dumps({"description": "Order ahead, now with oat milk."}))
    applied = demo.json("release", "apply", rid, "--basic-info", str(basic_info))
    assert applied["status"] == "in_review"
    assert applied["basic_info"]["description"] == "Order ahead, now with oat milk."
    assert demo.json("release", "status", rid)["waiting_for"] == {
        "actor": "reviewers",
        "detail": "a platform reviewer and superapp's reviewer to decide",
    }

    denied = demo.cli("release", "review", "approve", rid, "--side", "platform", "--json")
    assert denied.returncode == 1
    assert json.loads(denied.stdout)["error"]["code"] == "permission_denied"
    half = demo.json(
        "release", "review", "approve", rid, "--side", "platform", user="platform-reviewer"
    )
    assert half["status"] == "in_review" and half["reviews"]["platform"]["decision"] == "approve"
    assert demo.json("release", "status", rid)["waiting_for"]["detail"] == (
        "superapp's reviewer to decide"
    )
    queue = demo.json("release", "list", "--awaiting-review", "partner", user="superapp-reviewer")
    assert [r["id"] for r in queue] == [rid]
    approved = demo.json(
        "release", "review", "approve", rid, "--side", "partner", "--reason", "Looks good",
        user="superapp-reviewer",
    )  # fmt: skip
    assert approved["status"] == "approved"
    assert approved["reviews"]["partner"] == {"decision": "approve", "comment": "Looks good"}
    listed = demo.json("release", "list", "--status", "approved", "--mini-program", mp)
    assert [r["id"] for r in listed] == [rid]

    released = demo.json("release", "full", rid)
    assert (released["status"], released["percentage"]) == ("released", 100)
    final = demo.json("release", "status", rid)
    assert final["status"] == "released" and final["waiting_for"]["actor"] is None
    human = demo.cli("release", "status", rid)
    assert human.returncode == 0 and "waiting for" in human.stdout and "released" in human.stdout

    # The other release: in review, withdrawn, then canceled.
    demo.json("compat", "run", other, "--wait")
    assert demo.json("release", "apply", other)["status"] == "in_review"
    assert demo.json("release", "withdraw", other)["status"] == "tested"
    assert demo.json("release", "cancel", other)["status"] == "canceled"
    assert demo.json("release", "status", other)["waiting_for"]["actor"] is None


def test_a_failed_build_fails_create_wait(demo_server: DemoServer) -> None:
    # manifest.json is the platform's own name: the build refuses a package holding one.
    upload(demo_server, "3.0.0", {**SAMPLE, "manifest.json": b"{}"})
    done = demo_server.cli(
        "release", "create", "--mini-program", demo_server.mini_program_id, "--version", "3.0.0",
        "--partner-app", "wallet", "--wait", "--json",
    )  # fmt: skip
    assert done.returncode == 1
    (release,) = json.loads(done.stdout)
    assert (release["status"], release["build"]["status"]) == ("build_failed", "failed")
    assert done.stderr.strip().endswith("[build_failed]")
    waiting = demo_server.json("release", "status", release["id"])["waiting_for"]
    assert waiting["actor"] == "team" and "reserved-name: manifest.json" in str(waiting["detail"])
