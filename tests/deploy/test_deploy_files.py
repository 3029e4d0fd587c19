"""The files in deploy/ stay true to the code: every ``minirelease`` command they run is
one the command line accepts, with those options, and every variable the example
environment sets is one the server reads."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from minirelease.cli.main import main
from minirelease.config_report import SETTINGS_VARIABLES
from tests.releases.live import ROOT

DEPLOY = ROOT / "deploy"


def _command_lines() -> list[tuple[str, list[str]]]:
    lines = []
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            lines.append((f"Procfile {name}", shlex.split(command)))
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                lines.append((unit.name, shlex.split(line.removeprefix("ExecStart="))))
    return lines


@pytest.mark.parametrize(("where", "argv"), _command_lines(), ids=lambda v: str(v))
def test_every_command_is_one_the_cli_accepts(
    where: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert Path(argv[0]).name == "minirelease", where
    # Placeholders filled by the process manager: a port number either way.
    args = ["8001" if arg in ("$PORT", "%i") else arg for arg in argv[1:]]
    # --help after the real options: Click parses (and refuses) them first.
    assert main([*args, "--help"]) == 0, capsys.readouterr().err


def test_the_example_environment_sets_only_variables_the_server_reads() -> None:
    example = (DEPLOY / "minirelease.env.example").read_text()
    names = set(re.findall(r"^(MINIRELEASE_[A-Z0-9_]+)=", example, flags=re.M))
    assert names and sorted(names - SETTINGS_VARIABLES) == []
