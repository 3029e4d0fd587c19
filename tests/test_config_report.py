"""``minirelease config check`` shows what a process would run with, never a secret, and
refuses what would fail or be ignored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from minirelease.cli.main import main
from minirelease.config_report import KNOWN_VARIABLES, MASK, SETTINGS_VARIABLES, check
from tests.releases.live import ROOT

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    "-----END PRIVATE KEY-----\n"
)


def _base(tmp_path: Path) -> dict[str, str]:
    return {"MINIRELEASE_DATA_DIR": str(tmp_path / "data")}


def test_every_variable_the_code_reads_is_known_and_no_other() -> None:
    # The settings' variables, and the names written out anywhere else (the report's own
    # list aside, which would find itself).
    read = SETTINGS_VARIABLES | {
        name
        for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
        for name in re.findall(r'"(MINIRELEASE_[A-Z0-9_]+)"', path.read_text())
        if path.name not in ("test_config_report.py", "config_report.py")
    }
    assert read == KNOWN_VARIABLES


def test_secrets_are_masked(tmp_path: Path) -> None:
    report = check(
        {
            **_base(tmp_path),
            "MINIRELEASE_DATABASE_URL": "postgresql+psycopg://app:hunter2@db:5432/prod",
            "MINIRELEASE_SIGNING_KEY": PEM,
        }
    )
    assert report.valid, report.problems
    shown = json.dumps(report.settings)
    assert "hunter2" not in shown and "PRIVATE KEY" not in shown
    assert report.settings["signing_key"] == MASK
    assert report.settings["database_url"] == "postgresql+psycopg://app:***@db:5432/prod"
    assert report.settings["session_idle_minutes"] == 120


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("MINIRELEASE_JOB_THREADS", "two", "MINIRELEASE_JOB_THREADS: must be a positive integer"),
        ("MINIRELEASE_LOG_FORMAT", "xml", "MINIRELEASE_LOG_FORMAT: must be one of json, text"),
        ("MINIRELEASE_STORAGE_URL", "ftp://bucket", "MINIRELEASE_STORAGE_URL"),
        ("MINIRELEASE_SIGNING_KEY", "not a key", "MINIRELEASE_SIGNING_KEY"),
        ("MINIRELEASE_RUN_JOB", "0", "MINIRELEASE_RUN_JOB is set but nothing reads it"),
    ],
)
def test_invalid_configurations_are_refused(
    tmp_path: Path, variable: str, value: str, problem: str
) -> None:
    report = check({**_base(tmp_path), variable: value})
    assert not report.valid
    assert any(problem in line for line in report.problems), report.problems


def test_the_command_prints_json_and_exits_1_when_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in _base(tmp_path).items():
        monkeypatch.setenv(name, value)
    assert main(["config", "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    monkeypatch.setenv("MINIRELEASE_MAX_UPLOAD_BYTES", "lots")
    assert main(["config", "check"]) == 1
    printed = capsys.readouterr()
    assert "INVALID" in printed.out
    assert (
        printed.err
        == "error: MINIRELEASE_MAX_UPLOAD_BYTES: must be a positive integer, not 'lots'\n"
    )
    # Nothing was started or written: no data directory, no key file.
    assert not (tmp_path / "data").exists()
