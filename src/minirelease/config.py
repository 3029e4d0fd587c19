"""Configuration from the environment; every variable is documented in the README."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from minirelease.compat.runtime.limits import MIB, ProcessLimits


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
    # The engine processes that run compatibility runs' JavaScript (one per job thread at
    # most): memory, time and reuse, enforced from outside them.
    engine_limits: ProcessLimits = field(default_factory=ProcessLimits)
    # Seconds between checks for grayscales past their partner app's deadline.
    deadline_check_seconds: float = 60.0
    # Seconds between evaluations of ramp plans and their health gates.
    ramp_check_seconds: float = 30.0
    # Seconds between reads of the rollout serial: how soon a change made by another server
    # process reaches this one's launch answers and manifests (plus one snapshot rebuild).
    rollout_poll_seconds: float = 0.2

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
        engine_limits=ProcessLimits(
            memory_bytes=int(env.get("MINIRELEASE_ENGINE_MEMORY_MB", "1024")) * MIB,
            runs_per_process=int(env.get("MINIRELEASE_ENGINE_RUNS_PER_PROCESS", "100")),
        ),
        deadline_check_seconds=float(env.get("MINIRELEASE_DEADLINE_CHECK_SECONDS", "60")),
        ramp_check_seconds=float(env.get("MINIRELEASE_RAMP_CHECK_SECONDS", "30")),
        rollout_poll_seconds=float(env.get("MINIRELEASE_ROLLOUT_POLL_SECONDS", "0.2")),
    )
