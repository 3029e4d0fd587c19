"""The settings: each kind of value read from the environment, empty values as unset,
invalid ones refused naming the variable, and the README's table equal to the fields."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.signin import SignInLimits
from minirelease.compat.child_process import MIB
from minirelease.compat.process_pool import ProcessLimits
from minirelease.config import Settings, SettingsError, env_var, load_settings
from minirelease.config_report import TEST_VARIABLES, text

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_and_the_database_derived_from_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.data_dir == tmp_path.resolve() / ".minirelease"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/.minirelease/minirelease.db"
    assert (settings.blob_dir, settings.tmp_dir) == (
        settings.data_dir / "blobs",
        settings.data_dir / "tmp",
    )
    assert settings.max_upload_bytes == 20 * 1024 * 1024
    assert (settings.run_jobs, settings.job_threads, settings.lab_priority) == (True, 2, "idle")
    assert settings.lab_limits == ProcessLimits(2048 * MIB, 50)
    assert settings.engine_limits == ProcessLimits(1024 * MIB, 100)
    assert settings.session_lifetimes == SessionLifetimes(
        idle=dt.timedelta(hours=2), absolute=dt.timedelta(hours=12)
    )
    assert settings.sign_in_limits == SignInLimits(5, 20, dt.timedelta(minutes=15))
    assert settings.storage_url is settings.signing_key_pem is settings.log_format is None
    assert settings.worker_metrics_port is None and settings.webhooks_allow_private is False


def test_a_data_directory_moves_the_derived_database_but_not_a_given_one(tmp_path: Path) -> None:
    moved = load_settings({"MINIRELEASE_DATA_DIR": str(tmp_path / "d")})
    assert moved.database_url == f"sqlite:///{tmp_path}/d/minirelease.db"
    given = load_settings(
        {
            "MINIRELEASE_DATA_DIR": str(tmp_path / "d"),
            "MINIRELEASE_DATABASE_URL": "postgresql+psycopg://app@db:5432/prod",
        }
    )
    assert given.database_url == "postgresql+psycopg://app@db:5432/prod"


def test_each_kind_of_value_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        {
            "MINIRELEASE_DATA_DIR": "relative/data",
            "MINIRELEASE_METRICS_DIR": "metrics",
            "MINIRELEASE_SIGNING_KEY_FILE": "/etc/minirelease/key.pem",
            "MINIRELEASE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----",
            "MINIRELEASE_MAX_UPLOAD_BYTES": "1024",
            "MINIRELEASE_RUN_JOBS": "false",
            "MINIRELEASE_WEBHOOKS_ALLOW_PRIVATE": "YES",
            "MINIRELEASE_LAB_MEMORY_MB": "512",
            "MINIRELEASE_LAB_RUNS_PER_PROCESS": "7",
            "MINIRELEASE_ENGINE_MEMORY_MB": "256",
            "MINIRELEASE_ENGINE_RUNS_PER_PROCESS": "9",
            "MINIRELEASE_ROLLOUT_POLL_SECONDS": "0.05",
            "MINIRELEASE_WORKER_STOP_SECONDS": "0",
            "MINIRELEASE_SESSION_IDLE_MINUTES": "1.5",
            "MINIRELEASE_SESSION_MAX_HOURS": "2",
            "MINIRELEASE_SIGN_IN_FAILURES_PER_EMAIL": "3",
            "MINIRELEASE_SIGN_IN_FAILURES_PER_CLIENT": "4",
            "MINIRELEASE_SIGN_IN_WINDOW_MINUTES": "30",
            "MINIRELEASE_LAB_PRIORITY": "low",
            "MINIRELEASE_LOG_FORMAT": "text",
            "MINIRELEASE_PASSWORD_HASHING": "cheapest",
            "MINIRELEASE_WORKER_METRICS_PORT": "9100",
            "MINIRELEASE_STORAGE_URL": "s3://releases/prod",
            "MINIRELEASE_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "MINIRELEASE_PACKAGE_BASE_URL": "https://cdn.example.com/p",
        }
    )
    # Paths: the data and metrics directories absolute, resolved where the process starts.
    assert settings.data_dir == tmp_path.resolve() / "relative" / "data"
    assert settings.metrics_dir == tmp_path.resolve() / "metrics"
    assert settings.signing_key_file == Path("/etc/minirelease/key.pem")
    assert settings.signing_key_pem == "-----BEGIN PRIVATE KEY-----"
    assert (settings.max_upload_bytes, settings.worker_metrics_port) == (1024, 9100)
    assert (settings.run_jobs, settings.webhooks_allow_private) == (False, True)
    assert settings.lab_limits == ProcessLimits(512 * MIB, 7)
    assert settings.engine_limits == ProcessLimits(256 * MIB, 9)
    assert (settings.rollout_poll_seconds, settings.worker_stop_seconds) == (0.05, 0.0)
    assert settings.session_lifetimes == SessionLifetimes(
        idle=dt.timedelta(seconds=90), absolute=dt.timedelta(hours=2)
    )
    assert settings.sign_in_limits == SignInLimits(3, 4, dt.timedelta(minutes=30))
    assert (settings.lab_priority, settings.log_format, settings.password_hashing) == (
        "low",
        "text",
        "cheapest",
    )
    assert settings.storage_url == "s3://releases/prod"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"
    assert settings.package_base_url == "https://cdn.example.com/p"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("1", True), ("true", True), ("Yes", True), ("0", False), ("false", False), ("no", False)],
)
def test_on_off_values(value: str, parsed: bool) -> None:
    assert load_settings({"MINIRELEASE_RUN_JOBS": value}).run_jobs is parsed


def test_an_empty_value_is_unset(tmp_path: Path) -> None:
    base = {"MINIRELEASE_DATA_DIR": str(tmp_path)}
    every_one_empty = {env_var(name): "" for name in Settings.model_fields if name != "data_dir"}
    assert load_settings({**base, **every_one_empty}) == load_settings(base)


def test_only_the_exact_upper_case_names_are_read(tmp_path: Path) -> None:
    settings = load_settings(
        {"MINIRELEASE_DATA_DIR": str(tmp_path), "minirelease_job_threads": "7"}
    )
    assert settings.job_threads == 2


def test_settings_built_in_code_ignore_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINIRELEASE_JOB_THREADS", "7")
    built = Settings(data_dir=tmp_path, database_url="sqlite://")
    assert built.job_threads == 2 and built.data_dir == tmp_path.resolve()
    assert load_settings().job_threads == 7  # the process's environment, read on request
    with pytest.raises(ValueError, match="job_treads"):
        Settings(data_dir=tmp_path, job_treads=3)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("MINIRELEASE_JOB_THREADS", "x", "must be a positive integer, not 'x'"),
        ("MINIRELEASE_JOB_THREADS", "0", "must be a positive integer, not '0'"),
        ("MINIRELEASE_MAX_UPLOAD_BYTES", "1.5", "must be a positive integer, not '1.5'"),
        ("MINIRELEASE_PRUNE_SECONDS", "-1", "must be a positive number, not '-1'"),
        ("MINIRELEASE_JOB_POLL_SECONDS", "nan", "must be a positive number, not 'nan'"),
        ("MINIRELEASE_WORKER_STOP_SECONDS", "-1", "must be a number, 0 or more, not '-1'"),
        ("MINIRELEASE_WORKER_METRICS_PORT", "70000", "must be a port number (1 to 65535)"),
        ("MINIRELEASE_RUN_JOBS", "maybe", "must be a boolean (1, true, yes or 0, false, no)"),
        ("MINIRELEASE_LOG_FORMAT", "xml", "must be one of json, text, not 'xml'"),
        ("MINIRELEASE_LAB_PRIORITY", "high", "must be one of idle, low, normal, not 'high'"),
        ("MINIRELEASE_PASSWORD_HASHING", "md5", "must be one of rfc9106-low-memory, cheapest"),
        ("MINIRELEASE_DATABASE_URL", "localhost", "must be a database URL"),
        ("MINIRELEASE_S3_ENDPOINT_URL", "minio:9000", "must be an http(s) URL, not 'minio:9000'"),
        ("MINIRELEASE_PACKAGE_BASE_URL", "ftp://cdn", "must be an http(s) URL, not 'ftp://cdn'"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_variable(
    variable: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({variable: value})
    [only] = refused.value.problems
    assert only.startswith(f"{variable}: {problem}"), only


def test_a_storage_url_is_s3_or_file() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"MINIRELEASE_STORAGE_URL": "gs://bucket/x"})
    assert refused.value.problems == [
        "MINIRELEASE_STORAGE_URL 'gs://bucket/x': expected s3://bucket/prefix or file:///directory"
    ]


def test_every_invalid_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"MINIRELEASE_JOB_THREADS": "two", "MINIRELEASE_LOG_FORMAT": "xml"})
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "MINIRELEASE_JOB_THREADS",
        "MINIRELEASE_LOG_FORMAT",
    ]
    assert "MINIRELEASE_JOB_THREADS" in str(refused.value)


def _readme_table() -> dict[str, str]:
    """The Configuration section's rows: variable -> default cell."""
    section = README.read_text().split("\n## Configuration\n", 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]
    rows = re.findall(r"^\| `(MINIRELEASE_[A-Z0-9_]+)` \| ([^|]*) \|", section, re.MULTILINE)
    assert rows, "no table in the README's Configuration section"
    return dict(rows)


def test_every_setting_is_in_the_readme_table_with_its_default() -> None:
    table = _readme_table()
    for name, field in Settings.model_fields.items():
        variable = env_var(name)
        assert variable in table, f"{variable} is missing from the README's table"
        default = text(field.default)
        documented = table[variable]
        assert documented.startswith("unset" if default == "unset" else f"`{default}`"), (
            f"{variable}: the README says {documented!r}, the default is {default!r}"
        )
        assert field.description, f"{name} has no description"


def test_every_variable_in_the_readme_table_is_a_setting() -> None:
    settings = {env_var(name) for name in Settings.model_fields}
    assert set(_readme_table()) - TEST_VARIABLES == settings
