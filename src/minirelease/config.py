"""Configuration: one typed settings object read from the ``MINIRELEASE_`` environment
variables, every one documented in the README's Configuration table (a test keeps the two
equal).

``load_settings()`` reads the environment; ``Settings(...)`` built in code (the tests) takes
only the values it is given and the defaults, so a developer's shell never leaks into it.
An invalid value is refused with one line per variable: ``MINIRELEASE_X: reason, not 'v'``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.passwords import PROFILES as PASSWORD_HASHING_PROFILES
from minirelease.accounts.signin import SignInLimits
from minirelease.compat.child_main import PRIORITIES as LAB_PRIORITIES
from minirelease.compat.child_process import MIB
from minirelease.compat.lab import LAB_MEMORY_BYTES, LAB_TIMEOUT_SECONDS
from minirelease.compat.process_pool import ProcessLimits
from minirelease.compat.runtime.limits import ENGINE_MEMORY_BYTES
from minirelease.config_types import (
    Expect,
    Flag,
    HttpUrl,
    NonNegativeNumber,
    Port,
    PositiveInt,
    PositiveNumber,
    RateLimits,
    one_of,
    valid_limit_store,
    valid_storage_url,
)
from minirelease.ratelimits.policy import LimitName, RateLimitPolicy, parse_limits

ENV_PREFIX = "MINIRELEASE_"


# Settings whose value is never shown (``minirelease config check`` masks them).
SECRET: dict[str, Any] = {"secret": True}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid"
    )

    data_dir: Path = Field(
        default="./.minirelease",  # resolved by the validator below
        validate_default=True,
        description="SQLite file, package blobs, temporary files and the made signing key",
    )
    # Empty: the SQLite file in data_dir (filled in by the validator below).
    database_url: str = Field(
        default="", validate_default=True, repr=False, description="the database (SQLAlchemy URL)"
    )
    # Where packages and builds are kept: unset for the data directory's blobs/,
    # s3://bucket/prefix for an S3-compatible store (at s3_endpoint_url when not AWS), or
    # file:///directory. Public packages redirect to package_base_url + key when it is set.
    storage_url: Annotated[str, AfterValidator(valid_storage_url)] | None = Field(
        default=None,
        description="where packages and builds are kept: s3://bucket/prefix or file:///dir",
    )
    s3_endpoint_url: HttpUrl | None = Field(
        default=None, description="the S3-compatible store's endpoint when it is not AWS"
    )
    package_base_url: HttpUrl | None = Field(
        default=None, description="public base URL packages are downloaded from (redirects)"
    )
    max_upload_bytes: PositiveInt = Field(
        default=20 * 1024 * 1024, description="largest accepted upload (design §4)"
    )
    # Request bodies are refused past these before anything reads them (http/body_limit.py):
    # every route but the file uploads, which keep their own limits.
    max_json_bytes: PositiveInt = Field(
        default=1024 * 1024,
        description="largest accepted request body on routes other than uploads",
    )
    body_timeout_seconds: PositiveNumber = Field(
        default=30.0, description="a request body that stops arriving this long is given up"
    )
    # The HTTP connection itself (http/wire.py): an idle connection, a slow request head
    # and an oversized one are cut off.
    keep_alive_seconds: PositiveInt = Field(
        default=5, description="an idle HTTP connection is closed after this many seconds"
    )
    header_timeout_seconds: PositiveNumber = Field(
        default=10.0, description="how long a client may take to send a request's line and headers"
    )
    max_header_bytes: PositiveInt = Field(
        default=16 * 1024, description="largest accepted request line and headers together"
    )
    # JSON answers at least this long are compressed for clients that accept it
    # (http/compression.py; manifests once per serial, api/coded_responses.py).
    compress_min_bytes: PositiveInt = Field(
        default=1024, description="JSON answers this long or longer are sent compressed"
    )
    # Without either signing key setting, one is made in data_dir on first start;
    # production sets one of the two in every process.
    signing_key: str | None = Field(
        default=None,
        repr=False,
        json_schema_extra=SECRET,
        description="PEM (PKCS#8) Ed25519 private key that signs packages",
    )
    signing_key_file: Path | None = Field(
        default=None, description="path of a file holding that PEM key instead"
    )
    run_jobs: Flag = Field(
        default=True, description="run jobs and periodic work on threads of the API process"
    )
    job_threads: PositiveInt = Field(
        default=2, description="jobs run at once (threads) per process"
    )
    # Compatibility runs go to lab processes (one per job thread at most), whose smoke
    # tests go to engine processes: memory and reuse of each, enforced from outside them,
    # and how long a whole run may take.
    lab_priority: Annotated[str, one_of(LAB_PRIORITIES)] = Field(
        default="idle", description="CPU priority of the lab's processes: idle, low or normal"
    )
    lab_memory_mb: PositiveInt = Field(
        default=LAB_MEMORY_BYTES // MIB,
        description="resident memory of a lab process before it is killed",
    )
    lab_timeout_seconds: PositiveNumber = Field(
        default=LAB_TIMEOUT_SECONDS, description="how long one compatibility run may take"
    )
    lab_runs_per_process: PositiveInt = Field(
        default=50, description="runs a lab process answers before a fresh one replaces it"
    )
    engine_memory_mb: PositiveInt = Field(
        default=ENGINE_MEMORY_BYTES // MIB,
        description="resident memory of an engine process before it is killed",
    )
    engine_runs_per_process: PositiveInt = Field(
        default=100,
        description="engine runs an engine process answers before a fresh one replaces it",
    )
    deadline_check_seconds: PositiveNumber = Field(
        default=60.0, description="interval of the checks for grayscales past their deadline"
    )
    ramp_check_seconds: PositiveNumber = Field(
        default=30.0, description="interval of the evaluations of ramp plans and health gates"
    )
    prune_seconds: PositiveNumber = Field(
        default=3600.0, description="interval of the prunings of finished jobs and ended sessions"
    )
    # On PostgreSQL a NOTIFY wakes a worker at once; on SQLite this is how soon a job starts.
    job_poll_seconds: PositiveNumber = Field(
        default=1.0, description="how often an idle job worker looks at the queue"
    )
    # 0: running jobs are handed back to the queue at once.
    worker_stop_seconds: NonNegativeNumber = Field(
        default=60.0,
        description="on SIGTERM, how long running jobs may take before they are handed back",
    )
    rollout_poll_seconds: PositiveNumber = Field(
        default=0.2,
        description="how often a server process checks for other processes' rollout changes",
    )
    # Where the processes of one machine keep their metrics for /metrics to sum (the
    # Prometheus client's multiprocess mode); None: each process counts for itself.
    metrics_dir: Path | None = Field(
        default=None, description="directory shared by one machine's processes for /metrics"
    )
    worker_metrics_port: Port | None = Field(
        default=None, description="port on which `minirelease worker` serves /metrics"
    )
    # None: the command's default (json for serve and worker, text for demo).
    log_format: Annotated[str, one_of(("json", "text"))] | None = Field(
        default=None, description="json (one object per line) or text"
    )
    session_idle_minutes: PositiveNumber = Field(
        default=120.0, description="a console session unused this long ends"
    )
    session_max_hours: PositiveNumber = Field(
        default=12.0, description="a console session ends this long after sign-in"
    )
    sign_in_failures_per_email: PositiveInt = Field(
        default=5, description="failed sign-ins for one email within the window before tries wait"
    )
    sign_in_failures_per_client: PositiveInt = Field(
        default=20,
        description="failed sign-ins from one client within the window before tries wait",
    )
    sign_in_window_minutes: PositiveNumber = Field(
        default=15.0, description="the window failed sign-ins are counted in"
    )
    # Rate limits (ratelimits/): where the counters live, and the limits per client
    # (its address; behind a trusted proxy, the one X-Forwarded-For names) and account.
    rate_limit_storage: Annotated[str, AfterValidator(valid_limit_store)] | None = Field(
        default=None, description="redis://… or memory://; unset: the database"
    )
    rate_limit_failed_auth_per_client: RateLimits = Field(
        default="30/minute", description="unknown bearer tokens or partner keys from one client"
    )
    rate_limit_invitation_guesses_per_client: RateLimits = Field(
        default="10/hour", description="unknown invitation tokens tried from one client"
    )
    rate_limit_invitation_guesses_per_account: RateLimits = Field(
        default="10/hour", description="unknown invitation tokens tried by one account"
    )
    rate_limit_uploads_per_client: RateLimits = Field(
        default="600/hour", description="version uploads from one client"
    )
    rate_limit_uploads_per_account: RateLimits = Field(
        default="120/hour", description="version uploads by one account"
    )
    rate_limit_compat_runs_per_client: RateLimits = Field(
        default="600/hour", description="compatibility runs started from one client"
    )
    rate_limit_compat_runs_per_account: RateLimits = Field(
        default="120/hour", description="compatibility runs started by one account"
    )
    # Read where passwords are hashed (accounts/passwords.py, from the environment, as it
    # has no settings at hand); here for validation, the README and `config check`.
    password_hashing: Annotated[str, one_of(PASSWORD_HASHING_PROFILES)] = Field(
        default="rfc9106-low-memory",
        description="argon2id parameters; cheapest is for test suites only",
    )
    # Webhook endpoints may be on private, loopback or link-local addresses (and plain
    # http to loopback): for development and demos only, never on a shared server.
    webhooks_allow_private: Flag = Field(
        default=False, description="webhooks may reach private addresses (development only)"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The given values only: load_settings passes the environment's (see the docstring).
        return (init_settings,)

    @field_validator("data_dir", "metrics_dir")
    @classmethod
    def _resolved(cls, path: Path | None) -> Path | None:
        return None if path is None else path.resolve()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str, info: ValidationInfo) -> str:
        if not url:
            data_dir = info.data.get("data_dir")
            return f"sqlite:///{data_dir / 'minirelease.db'}" if data_dir else url
        try:
            make_url(url)
        except ArgumentError:
            raise ValueError(
                "must be a database URL such as postgresql+psycopg://host/db"
            ) from None
        return url

    @property
    def signing_key_pem(self) -> str | None:
        return self.signing_key

    @property
    def lab_limits(self) -> ProcessLimits:
        return ProcessLimits(self.lab_memory_mb * MIB, self.lab_runs_per_process)

    @property
    def engine_limits(self) -> ProcessLimits:
        return ProcessLimits(self.engine_memory_mb * MIB, self.engine_runs_per_process)

    @property
    def session_lifetimes(self) -> SessionLifetimes:
        return SessionLifetimes(
            idle=dt.timedelta(minutes=self.session_idle_minutes),
            absolute=dt.timedelta(hours=self.session_max_hours),
        )

    @property
    def sign_in_limits(self) -> SignInLimits:
        return SignInLimits(
            per_email=self.sign_in_failures_per_email,
            per_client=self.sign_in_failures_per_client,
            window=dt.timedelta(minutes=self.sign_in_window_minutes),
        )

    def rate_limit_policy(self) -> RateLimitPolicy:
        name = LimitName
        return RateLimitPolicy(
            per_client={
                name.FAILED_AUTH: parse_limits(self.rate_limit_failed_auth_per_client),
                name.INVITATION_GUESS: parse_limits(self.rate_limit_invitation_guesses_per_client),
                name.UPLOAD: parse_limits(self.rate_limit_uploads_per_client),
                name.COMPAT_RUN: parse_limits(self.rate_limit_compat_runs_per_client),
            },
            per_account={
                name.INVITATION_GUESS: parse_limits(self.rate_limit_invitation_guesses_per_account),
                name.UPLOAD: parse_limits(self.rate_limit_uploads_per_account),
                name.COMPAT_RUN: parse_limits(self.rate_limit_compat_runs_per_account),
            },
        )

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.blob_dir, self.tmp_dir):
            path.mkdir(parents=True, exist_ok=True)


def env_var(field_name: str) -> str:
    """The variable a setting is read from: the prefix and its name in capitals."""
    return ENV_PREFIX + field_name.upper()


class EnvironSource(PydanticBaseSettingsSource):
    """The settings' values in an environment: exactly the ``MINIRELEASE_`` names the
    README lists (case matters, as for any environment variable); empty means unset."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        value = self.environ.get(env_var(field_name))
        if value == "" and self.config.get("env_ignore_empty"):
            value = None
        return value, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                values[name] = value
        return values


class SettingsError(ValueError):
    """Settings that cannot be used: one problem per variable, each naming it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in ``environ`` (this process's environment by default)."""
    values = EnvironSource(Settings, os.environ if environ is None else environ)()
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError([_problem(error) for error in exc.errors()]) from None


def _problem(error: ErrorDetails) -> str:
    name = str(error["loc"][0]) if error["loc"] else ""
    variable = env_var(name)
    if error["type"] == "value_error":  # from a validator of ours: its reason
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        if reason.startswith(variable):  # the storage factory's messages name it already
            return reason
    elif name in Settings.model_fields:
        reason = f"must be {_expectation(Settings.model_fields[name])}"
    else:
        reason = error["msg"]
    return f"{variable}: {reason}, not {error['input']!r}"


def _expectation(field: FieldInfo) -> str:
    """The ``Expect`` text of a field's type, ``X | None`` included."""
    for item in [*field.metadata, *_nested_metadata(field.annotation)]:
        if isinstance(item, Expect):
            return item.text
    return "a valid value"


def _nested_metadata(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Annotated:
        return list(get_args(annotation)[1:])
    return [item for arg in get_args(annotation) for item in _nested_metadata(arg)]
