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
    )
