"""The rollout commands against a demo server: a second version goes through a pilot and
a grayscale (paused, resumed, raised, halted) to everyone; then rollback and removal of
the mini program on that partner app, each step's ``--json`` parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.live_demo import DemoServer, demo_server
from tests.cli.programs import approved, upload

__all__ = ["demo_server"]


@pytest.mark.slow
def test_pilot_grayscale_full_then_rollback_and_removal(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    demo, mp = demo_server, demo_server.mini_program_id
    first = approved(demo, "1.0.0")
    # A grayscale needs a version online: the first one goes to everyone.
    refused = demo.cli("release", "grayscale", first, "10", "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["code"] == "invalid_transition"
    assert demo.json("release", "full", first)["status"] == "released"

    upload(demo, "1.1.0")
    rid = approved(demo, "1.1.0")
    testers = tmp_path / "testers.txt"
    testers.write_text("tester-001\n# the barista\ntester-002  # again below\ntester-001\n")
    piloted = demo.json("release", "pilot", rid, "--testers-file", str(testers))
    assert (piloted["status"], piloted["pilot_tester_ids"]) == (
        "pilot",
        ["tester-001", "tester-002"],
    )
    replaced = demo.json("release", "pilot", rid, "--testers", "tester-003,tester-004")
    assert replaced["pilot_tester_ids"] == ["tester-003", "tester-004"]
    assert demo.cli("release", "pilot", rid).returncode == 2  # no testers, no --complete
    assert demo.json("release", "pilot", rid, "--complete")["status"] == "approved"

    plan = tmp_path / "plan.json"
    steps = [{"percentage": 10, "hold_minutes": 60}, {"percentage": 100}]
    plan.write_text(json.dumps({"steps": steps}))
    started = demo.json("release", "grayscale", rid, "10", "--plan", str(plan))
    assert (started["status"], started["percentage"]) == ("grayscale", 10)
    assert started["ramp"]["status"] == "active"
    waiting = demo.json("release", "status", rid)["waiting_for"]
    assert waiting["actor"] == "platform"
    assert str(waiting["detail"]).startswith("the ramp plan's next step at ")
    paused = demo.json("release", "pause", rid)
    assert paused["paused"] is True
    assert demo.json("release", "status", rid)["waiting_for"] == {
        "actor": "team",
        "detail": "resume (the ramp is paused)",
    }
    frozen = demo.cli("release", "grayscale", rid, "20", "--json")
    assert frozen.returncode == 1
    error = json.loads(frozen.stdout)["error"]
    assert error["code"] == "invalid_transition" and "paused" in error["detail"]
    assert demo.json("release", "resume", rid)["paused"] is False
    assert demo.json("release", "grayscale", rid, "25.5")["percentage"] == 25.5
    assert demo.json("release", "halt", rid)["halted"] is True
    assert demo.json("release", "resume", rid)["halted"] is False

    released = demo.json("release", "full", rid)
    assert (released["status"], released["percentage"]) == ("released", 100)
    status = demo.json("release", "status", rid)
    assert status["status"] == "released" and status["waiting_for"]["actor"] is None
    assert demo.json("release", "status", first)["status"] == "archived"

    pair = ("--mini-program", mp, "--partner-app", "superapp")
    listing = demo.json("release", "rollback", *pair)
    assert listing["online"]["version"] == "1.0.0"
    assert demo.json("release", "status", rid)["status"] == "rolled_back"

    requested = demo.json("release", "remove", *pair, "--reason", "closing the shop")
    assert requested["removal"] == {"status": "requested", "reason": "closing the shop"}
    # Only superapp's reviewers decide on a removal from superapp.
    denied = demo.cli("release", "review-removal", "approve", *pair, "--json")
    assert denied.returncode == 1
    removed = demo.json("release", "review-removal", "approve", *pair, user="superapp-reviewer")
    assert removed["removal"]["status"] == "removed"
    human = demo.cli("release", "rollback", *pair, process=True)
    assert human.returncode == 1 and human.stdout == ""
    assert "nothing is online to roll back [invalid_transition]" in human.stderr
