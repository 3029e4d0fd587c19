"""Configuration from the environment; every variable is documented in the README."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from minirelease.accounts.console_sessions import SessionLifetimes
from minirelease.accounts.signin import SignInLimits
from minirelease.compat.child_process import MIB
from minirelease.compat.lab import LAB_MEMORY_BYTES, LAB_TIMEOUT_SECONDS
from minirelease.compat.process_pool import ProcessLimits
from minirelease.compat.runtime.limits import ENGINE_MEMORY_BYTES


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    # Bytes accepted for one uploaded zip before the stream is cut off (design §4).
    max_upload_bytes: int = 20 * 1024 * 1024
    # PEM (PKCS#8) Ed25519 private key; without it one is made in data_dir on first start.
    signing_key_pem: str | None = None
    # Or the path of a file holding it; production sets one of the two in every process.
    signing_key_file: Path | None = None
    # Run build and compatibility jobs on worker threads inside the API process.
    run_jobs: bool = True
    job_threads: int = 2
    # Compatibility runs go to lab processes (one per job thread at most), whose smoke
    # tests go to engine processes: memory and reuse of each, enforced from outside them,
    # and how long a whole run may take.
    lab_limits: ProcessLimits = field(default_factory=lambda: ProcessLimits(LAB_MEMORY_BYTES))
    lab_timeout_seconds: float = LAB_TIMEOUT_SECONDS
    # CPU priority of the lab's processes: idle (launches first), low or normal.
    lab_priority: str = "idle"
    engine_limits: ProcessLimits = field(default_factory=lambda: ProcessLimits(ENGINE_MEMORY_BYTES))
    # Seconds between checks for grayscales past their partner app's deadline.
    deadline_check_seconds: float = 60.0
    # Seconds between evaluations of ramp plans and their health gates.
    ramp_check_seconds: float = 30.0
    # Seconds between prunings of finished jobs and ended console sessions.
    prune_seconds: float = 3600.0
    # Seconds between a job worker's looks at the queue when nothing woke it (on
    # PostgreSQL a NOTIFY wakes it at once; on SQLite this is how soon a job starts).
    job_poll_seconds: float = 1.0
    # On SIGTERM, how long a worker lets its running jobs finish before it hands them
    # back to the queue for another worker.
    worker_stop_seconds: float = 60.0
    # Seconds between reads of the rollout serial: how soon a change made by another server
    # process reaches this one's launch answers and manifests (plus one snapshot rebuild).
    rollout_poll_seconds: float = 0.2
    # Console sign-in: how long a session lasts idle and at most, and how many failed
    # sign-ins an email or a client may make within the window before waiting.
    session_lifetimes: SessionLifetimes = field(default_factory=SessionLifetimes)
    sign_in_limits: SignInLimits = field(default_factory=SignInLimits)
    # Webhook endpoints may be on private, loopback or link-local addresses (and plain
    # http to loopback): for development and demos only, never on a shared server.
    webhooks_allow_private: bool = False
    # Where the processes of one machine keep their metrics for /metrics to sum (the
    # Prometheus client's multiprocess mode); None: each process counts for itself.
    metrics_dir: Path | None = None
    # json or text; None: the command's default (json for serve and worker, text for demo).
    log_format: str | None = None
    # Where packages and builds are kept: unset for the data directory's blobs/,
    # s3://bucket/prefix for an S3-compatible store (at s3_endpoint_url when not AWS), or
    # file:///directory. Public packages redirect to package_base_url + key when it is set.
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    package_base_url: str | None = None

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.blob_dir, self.tmp_dir):
            path.mkdir(parents=True, exist_ok=True)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("MINIRELEASE_DATA_DIR", "./.minirelease")).resolve()
    database_url = env.get("MINIRELEASE_DATABASE_URL") or f"sqlite:///{data_dir / 'minirelease.db'}"
    max_upload = int(env.get("MINIRELEASE_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        max_upload_bytes=max_upload,
        signing_key_pem=env.get("MINIRELEASE_SIGNING_KEY") or None,
        signing_key_file=Path(env["MINIRELEASE_SIGNING_KEY_FILE"])
        if env.get("MINIRELEASE_SIGNING_KEY_FILE")
        else None,
        run_jobs=env.get("MINIRELEASE_RUN_JOBS", "1") not in ("0", "false", "no"),
        job_threads=int(env.get("MINIRELEASE_JOB_THREADS", "2")),
        lab_limits=ProcessLimits(
            memory_bytes=int(env.get("MINIRELEASE_LAB_MEMORY_MB", "2048")) * MIB,
            runs_per_process=int(env.get("MINIRELEASE_LAB_RUNS_PER_PROCESS", "50")),
        ),
        lab_timeout_seconds=float(env.get("MINIRELEASE_LAB_TIMEOUT_SECONDS", "900")),
        lab_priority=env.get("MINIRELEASE_LAB_PRIORITY", "idle"),
        engine_limits=ProcessLimits(
            memory_bytes=int(env.get("MINIRELEASE_ENGINE_MEMORY_MB", "1024")) * MIB,
            runs_per_process=int(env.get("MINIRELEASE_ENGINE_RUNS_PER_PROCESS", "100")),
        ),
        deadline_check_seconds=float(env.get("MINIRELEASE_DEADLINE_CHECK_SECONDS", "60")),
        ramp_check_seconds=float(env.get("MINIRELEASE_RAMP_CHECK_SECONDS", "30")),
        prune_seconds=float(env.get("MINIRELEASE_PRUNE_SECONDS", "3600")),
        job_poll_seconds=float(env.get("MINIRELEASE_JOB_POLL_SECONDS", "1")),
        worker_stop_seconds=float(env.get("MINIRELEASE_WORKER_STOP_SECONDS", "60")),
        rollout_poll_seconds=float(env.get("MINIRELEASE_ROLLOUT_POLL_SECONDS", "0.2")),
        session_lifetimes=SessionLifetimes(
            idle=dt.timedelta(minutes=float(env.get("MINIRELEASE_SESSION_IDLE_MINUTES", "120"))),
            absolute=dt.timedelta(hours=float(env.get("MINIRELEASE_SESSION_MAX_HOURS", "12"))),
        ),
        sign_in_limits=SignInLimits(
            per_email=int(env.get("MINIRELEASE_SIGN_IN_FAILURES_PER_EMAIL", "5")),
            per_client=int(env.get("MINIRELEASE_SIGN_IN_FAILURES_PER_CLIENT", "20")),
            window=dt.timedelta(minutes=float(env.get("MINIRELEASE_SIGN_IN_WINDOW_MINUTES", "15"))),
        ),
        webhooks_allow_private=env.get("MINIRELEASE_WEBHOOKS_ALLOW_PRIVATE", "0")
        in ("1", "true", "yes"),
        metrics_dir=Path(env["MINIRELEASE_METRICS_DIR"]).resolve()
        if env.get("MINIRELEASE_METRICS_DIR")
        else None,
        log_format=_log_format(env.get("MINIRELEASE_LOG_FORMAT") or None),
        storage_url=env.get("MINIRELEASE_STORAGE_URL") or None,
        s3_endpoint_url=env.get("MINIRELEASE_S3_ENDPOINT_URL") or None,
        package_base_url=env.get("MINIRELEASE_PACKAGE_BASE_URL") or None,
    )


def _log_format(value: str | None) -> str | None:
    if value is not None and value not in ("json", "text"):
        raise ValueError(f"MINIRELEASE_LOG_FORMAT must be json or text, not {value!r}")
    return value
