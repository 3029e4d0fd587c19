"""The README's CI example, run exactly as printed: its shell script, by ``sh``, with the
installed ``minirelease`` command on the PATH, against a demo server; the GitHub Actions
and GitLab CI jobs beside it run that same script with the variables it needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from minirelease.cli import sample_app
from tests.cli.live_demo import ROOT, DemoServer, demo_server
from tests.cli.programs import approved, upload

__all__ = ["demo_server"]

_SECTION = "### Releasing from CI"


def _blocks(language: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(_SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def _script() -> str:
    (script,) = _blocks("sh")
    assert script.startswith("#!/bin/sh\n# release.sh ")
    return script


def _steps(job: dict[str, Any]) -> list[str]:
    if "steps" in job:
        return [step["run"] for step in job["steps"] if "run" in step]
    return list(job["script"])


def test_the_pipelines_run_the_script_with_what_it_needs() -> None:
    github, gitlab = (yaml.safe_load(block) for block in _blocks("yaml"))
    needed = {"MINIRELEASE_SERVER", "MINIRELEASE_TOKEN", "MINI_PROGRAM", "VERSION"}
    assert needed <= set(github["env"])
    assert [_steps(github["jobs"][stage])[-1] for stage in ("submit", "ramp")] == [
        "sh release.sh submit",
        "sh release.sh ramp",
    ]
    assert github["jobs"]["ramp"]["needs"] == "submit"
    assert [_steps(gitlab[stage])[-1] for stage in ("submit", "ramp")] == [
        "sh release.sh submit",
        "sh release.sh ramp",
    ]
    assert gitlab["ramp"]["rules"][0]["when"] == "manual"
    # The rest comes from the project's CI/CD variables, as the README says.
    assert all(
        gitlab[stage]["variables"]["VERSION"] == "$CI_COMMIT_TAG" for stage in ("submit", "ramp")
    )


def _run(
    demo: DemoServer, workdir: Path, stage: str, version: str
) -> subprocess.CompletedProcess[str]:
    env = demo.env("developer", MINI_PROGRAM=demo.mini_program_id, VERSION=version)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["sh", "release.sh", stage],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's script uses jq")
def test_the_script_submits_and_after_approval_ramps(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    (tmp_path / "release.sh").write_text(_script(), encoding="utf-8")
    for name, text in sample_app.FILES.items():  # the checked-out project
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    # The script ramps an update: a first version is online already.
    upload(demo_server, "3.0.0")
    demo_server.json("release", "full", approved(demo_server, "3.0.0"))

    submitted = _run(demo_server, tmp_path, "submit", "3.1.0")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    (release,) = demo_server.json(
        "release", "list", "--mini-program", demo_server.mini_program_id, "--status", "in_review"
    )
    assert release["version"] == "3.1.0"

    # Too early: nothing is approved, so the ramp stage finds no release and fails.
    assert _run(demo_server, tmp_path, "ramp", "3.1.0").returncode != 0

    for side, reviewer in (("platform", "platform-reviewer"), ("partner", "superapp-reviewer")):
        demo_server.json(
            "release", "review", "approve", release["id"], "--side", side, user=reviewer
        )
    ramped = _run(demo_server, tmp_path, "ramp", "3.1.0")
    assert ramped.returncode == 0, ramped.stdout + ramped.stderr
    status = demo_server.json("release", "status", release["id"])
    assert (status["status"], status["percentage"]) == ("grayscale", 10)
