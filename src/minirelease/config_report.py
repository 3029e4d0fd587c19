"""``minirelease config check``: the effective configuration as this process would run
with it, secrets masked, and every problem found without starting anything: unreadable
values, a storage URL or signing key that cannot be used, and ``MINIRELEASE_`` variables
nothing reads (usually a typo, silently ignored otherwise)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from minirelease.build.signing import SigningKeyError, load_or_create_signing_key
from minirelease.config import Settings, load_settings
from minirelease.storage.factory import StorageConfigError, parse_storage_url

# Every variable minirelease reads: the server's (config.py, the signing key) and the
# client's (cli/). tests/test_config_report.py keeps this list equal to the code's.
KNOWN_VARIABLES = frozenset(
    {
        "MINIRELEASE_DATA_DIR",
        "MINIRELEASE_DATABASE_URL",
        "MINIRELEASE_MAX_UPLOAD_BYTES",
        "MINIRELEASE_SIGNING_KEY",
        "MINIRELEASE_SIGNING_KEY_FILE",
        "MINIRELEASE_RUN_JOBS",
        "MINIRELEASE_JOB_THREADS",
        "MINIRELEASE_JOB_POLL_SECONDS",
        "MINIRELEASE_WORKER_STOP_SECONDS",
        "MINIRELEASE_LAB_PRIORITY",
        "MINIRELEASE_LAB_MEMORY_MB",
        "MINIRELEASE_LAB_TIMEOUT_SECONDS",
        "MINIRELEASE_LAB_RUNS_PER_PROCESS",
        "MINIRELEASE_ENGINE_MEMORY_MB",
        "MINIRELEASE_ENGINE_RUNS_PER_PROCESS",
        "MINIRELEASE_DEADLINE_CHECK_SECONDS",
        "MINIRELEASE_RAMP_CHECK_SECONDS",
        "MINIRELEASE_PRUNE_SECONDS",
        "MINIRELEASE_ROLLOUT_POLL_SECONDS",
        "MINIRELEASE_SESSION_IDLE_MINUTES",
        "MINIRELEASE_SESSION_MAX_HOURS",
        "MINIRELEASE_SIGN_IN_FAILURES_PER_EMAIL",
        "MINIRELEASE_SIGN_IN_FAILURES_PER_CLIENT",
        "MINIRELEASE_SIGN_IN_WINDOW_MINUTES",
        "MINIRELEASE_PASSWORD_HASHING",
        "MINIRELEASE_WEBHOOKS_ALLOW_PRIVATE",
        "MINIRELEASE_METRICS_DIR",
        "MINIRELEASE_LOG_FORMAT",
        "MINIRELEASE_STORAGE_URL",
        "MINIRELEASE_S3_ENDPOINT_URL",
        "MINIRELEASE_PACKAGE_BASE_URL",
        # The client commands'.
        "MINIRELEASE_SERVER",
        "MINIRELEASE_TOKEN",
        "MINIRELEASE_PROFILE",
        "MINIRELEASE_CONFIG_DIR",
        "MINIRELEASE_CLI_RETRIES",
        # The test suite's.
        "MINIRELEASE_TEST_POSTGRES",
        "MINIRELEASE_TEST_POSTGRES_URL",
        "MINIRELEASE_TEST_BROWSER",
    }
)
MASK = "********"
_SECRET_FIELDS = ("signing_key_pem",)


@dataclass
class ConfigReport:
    settings: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def _masked_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _flatten(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _flatten(f"{prefix}.{item.name}", getattr(value, item.name), into)
        return
    if isinstance(value, Path):
        value = str(value)
    elif hasattr(value, "total_seconds"):  # a timedelta
        value = f"{value.total_seconds():g} s"
    into[prefix] = value


def _shown(settings: Settings) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for item in dataclasses.fields(settings):
        value = getattr(settings, item.name)
        if item.name in _SECRET_FIELDS:
            value = MASK if value else None
        elif item.name == "database_url":
            value = _masked_url(value)
        _flatten(item.name, value, shown)
    return shown


def _check_storage(settings: Settings, problems: list[str]) -> None:
    if settings.storage_url:
        try:
            parse_storage_url(settings.storage_url)
        except StorageConfigError as exc:
            problems.append(str(exc))


def _check_signing_key(settings: Settings, problems: list[str]) -> None:
    """A configured key must load; an unconfigured one is made in the data directory at
    the first start, which is fine for one process and wrong for several (said, not
    refused: the embedded default is one process)."""
    if not (settings.signing_key_pem or settings.signing_key_file):
        return
    try:
        load_or_create_signing_key(
            settings.data_dir, settings.signing_key_pem, settings.signing_key_file
        )
    except SigningKeyError as exc:
        problems.append(str(exc))


def check(environ: Mapping[str, str]) -> ConfigReport:
    report = ConfigReport()
    unknown = sorted(
        name for name in environ if name.startswith("MINIRELEASE_") and name not in KNOWN_VARIABLES
    )
    report.problems.extend(f"{name} is set but nothing reads it (a typo?)" for name in unknown)
    try:
        settings = load_settings(dict(environ))
    except ValueError as exc:
        report.problems.append(f"invalid setting: {exc}")
        return report
    report.settings = _shown(settings)
    _check_storage(settings, report.problems)
    _check_signing_key(settings, report.problems)
    return report
