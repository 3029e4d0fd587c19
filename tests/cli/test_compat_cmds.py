"""``compat run`` and ``compat report`` against a demo server: a package calling an API
the partner app lacks fails the job (exit 1) and, where the partner app refuses failing
reports, apply; a warning fails it only with ``--fail-on warn``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.live_demo import DemoServer, demo_server
from tests.cli.programs import HEAVY_PHOTO, SCANS, built, upload

__all__ = ["demo_server"]


def test_reports_are_judged_against_fail_on(demo_server: DemoServer, tmp_path: Path) -> None:
    demo = demo_server
    upload(demo, "2.0.0", SCANS)
    failing = built(demo, "2.0.0", "lite")

    done = demo.cli("compat", "run", failing, "--wait", "--fail-on", "fail", "--json", process=True)
    assert done.returncode == 1, done.stderr
    run = json.loads(done.stdout)  # the report is still the one document on stdout
    assert run["status"] == "finished" and run["scope"] == "full"
    assert run["progress"]["cells_done"] == run["progress"]["cells_total"] > 0
    assert run["check"] == {
        "result": "fail",
        "fail_on": "fail",
        "failed": True,
        "detail": "the compatibility report is fail (at or above --fail-on fail)",
    }
    (finding,) = run["report"]["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == (
        "jsapi-unsupported",
        "pages/menu/menu.js",
        3,
    )
    assert done.stderr.strip().endswith("[compat_check_failed]")

    # The findings table for a person; without --fail-on, reading a report is no check.
    table = demo.cli("compat", "report", failing)
    assert table.returncode == 0, table.stderr
    assert "jsapi-unsupported" in table.stdout and "pages/menu/menu.js:3:5" in table.stdout
    assert "fail" in table.stdout and "\x1b[" not in table.stdout
    assert demo.cli("compat", "report", failing, "--fail-on", "warn").returncode == 1

    page = tmp_path / "report.html"
    saved = demo.json("compat", "report", failing, "--run", run["id"], "--html", str(page))
    assert saved["run_id"] == run["id"] and saved["bytes"] == page.stat().st_size
    assert page.read_text().lower().startswith("<!doctype html")
    assert "jsapi-unsupported" in page.read_text()

    # Lite refuses failing reports: apply is not allowed, and status says why.
    refused = demo.cli("release", "apply", failing, "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["code"] == "invalid_transition"
    waiting = demo.json("release", "status", failing)["waiting_for"]
    assert waiting == {
        "actor": "team",
        "detail": "a passing compatibility report: lite refuses failing ones",
    }

    upload(demo, "2.1.0", HEAVY_PHOTO)
    warning = built(demo, "2.1.0", "superapp")
    passed = demo.json("compat", "run", warning, "--wait")  # --fail-on fail by default
    assert passed["summary"]["status"] == "warn" and passed["check"]["failed"] is False
    assert [f["rule"] for f in passed["report"]["findings"]] == ["image-too-large"]
    strict = demo.cli("compat", "run", warning, "--wait", "--fail-on", "warn", "--json")
    assert strict.returncode == 1 and json.loads(strict.stdout)["check"]["result"] == "warn"

    # A narrowed run tests fewer cells and cannot open apply: status asks for a whole one.
    narrowed = demo.json(
        "compat", "run", warning, "--matrix", "os=android-14", "--matrix", "network=wifi", "--wait"
    )
    assert narrowed["scope"] == "narrowed" and narrowed["progress"]["cells_total"] == 3
    assert "whole matrix" in str(demo.json("release", "status", warning)["waiting_for"]["detail"])
    assert demo.cli("compat", "run", warning, "--matrix", "planet=mars").returncode == 2

    # A release never tested has no report to show.
    untested = demo.json(
        "release", "create", "--mini-program", demo.mini_program_id, "--version", "2.1.0",
        "--partner-app", "wallet",
    )[0]["id"]  # fmt: skip
    missing = demo.cli("compat", "report", untested, "--json")
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["code"] == "no_compatibility_run"
