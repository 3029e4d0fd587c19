"""``minirelease config check``: the effective configuration as this process would run
with it, one row per setting of ``config.Settings`` (its variable, value, default and
description), secrets masked, and every problem found without starting anything: values
the settings refuse (a storage URL included), a signing key that does not load, and
``MINIRELEASE_`` variables nothing reads (usually a typo, silently ignored otherwise)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic.fields import FieldInfo

from minirelease.build.signing import SigningKeyError, load_or_create_signing_key
from minirelease.config import Settings, SettingsError, env_var, load_settings

# The variables minirelease reads outside the settings: the client commands' (cli/) and
# the test suite's. tests/test_config_report.py keeps KNOWN_VARIABLES equal to the code's.
CLIENT_VARIABLES = frozenset(
    {
        "MINIRELEASE_SERVER",
        "MINIRELEASE_TOKEN",
        "MINIRELEASE_PROFILE",
        "MINIRELEASE_CONFIG_DIR",
        "MINIRELEASE_CLI_RETRIES",
    }
)
TEST_VARIABLES = frozenset(
    {
        "MINIRELEASE_TEST_POSTGRES",
        "MINIRELEASE_TEST_POSTGRES_URL",
        "MINIRELEASE_TEST_REDIS_URL",
        "MINIRELEASE_TEST_BROWSER",
    }
)
SETTINGS_VARIABLES = frozenset(env_var(name) for name in Settings.model_fields)
KNOWN_VARIABLES = SETTINGS_VARIABLES | CLIENT_VARIABLES | TEST_VARIABLES
MASK = "********"


@dataclass(frozen=True)
class SettingRow:
    name: str
    variable: str
    value: Any  # masked when secret
    default: Any
    description: str
    # Whether the environment sets it (a non-empty value); otherwise the default applies.
    set: bool


@dataclass
class ConfigReport:
    rows: list[SettingRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def settings(self) -> dict[str, Any]:
        return {row.name: row.value for row in self.rows}

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "settings": [asdict(row) for row in self.rows],
            "problems": self.problems,
        }


def is_secret(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("secret") is True


def text(value: Any) -> str:
    """A value as the README's table writes it: ``unset``, ``1``/``0``, ``0.2``, ``2048``."""
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _without_password(url: str) -> str:
    """A URL's password replaced by ``***`` (a database or store URL may carry one)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _shown(value: Any, info: FieldInfo) -> Any:
    if is_secret(info):
        return MASK if value else None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str):
        return _without_password(value)
    return value


def _rows(settings: Settings, environ: Mapping[str, str]) -> list[SettingRow]:
    return [
        SettingRow(
            name=name,
            variable=env_var(name),
            value=_shown(getattr(settings, name), info),
            # An empty default (the database URL's) is derived: shown as unset.
            default=None if info.default == "" else _shown(info.default, info),
            description=info.description or "",
            set=bool(environ.get(env_var(name))),
        )
        for name, info in Settings.model_fields.items()
    ]


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
        settings = load_settings(environ)
    except SettingsError as exc:
        report.problems.extend(exc.problems)
        return report
    report.rows = _rows(settings, environ)
    _check_signing_key(settings, report.problems)
    return report
