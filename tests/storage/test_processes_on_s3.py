"""Real processes configured from the environment, as a deployment does it, each with a
data directory of its own and one object store (moto's server): two ``serve --no-jobs``
API servers and a ``minirelease worker``. A version uploaded through one server is built
by the worker and served by the other; every byte is in the bucket, none on any
process's disk."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minirelease.storage import private_key
from tests.packages.zips import project, zip_bytes
from tests.releases.live import ROOT, ServerProcess, wait_until
from tests.releases.stack import API, Stack, read
from tests.storage.conftest import S3Place
from tests.storage.moto import AWS_ENV, keys


def _pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@contextmanager
def _worker(
    stack: Stack, data_dir: Path, log_path: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "minirelease.cli.main", "worker", "--concurrency", "1"],
            cwd=ROOT,
            env={
                **os.environ,
                **env,
                "MINIRELEASE_DATABASE_URL": stack.url,
                "MINIRELEASE_DATA_DIR": str(data_dir),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.is_dir() else []


@pytest.mark.slow
def test_servers_and_a_worker_share_one_object_store(
    stack: Stack, s3: S3Place, tmp_path: Path
) -> None:
    env = {
        **AWS_ENV,
        "MINIRELEASE_STORAGE_URL": s3.url,
        "MINIRELEASE_S3_ENDPOINT_URL": s3.endpoint,
        "MINIRELEASE_SIGNING_KEY": _pem(),
        "MINIRELEASE_RUN_JOBS": "0",
        # On SQLite the worker finds the job by polling: every 0.1 s rather than every 1 s.
        "MINIRELEASE_JOB_POLL_SECONDS": "0.1",
    }
    data_dirs = [stack.data_dir, tmp_path / "reader-data", tmp_path / "worker-data"]
    api = stack.serve(env)
    reader = ServerProcess(stack.url, data_dirs[1], tmp_path / "reader.log", env=env)
    stack.servers.append(reader)
    reader.wait_ready()

    with _worker(stack, data_dirs[2], tmp_path / "worker.log", env) as worker:
        with stack.client(api) as client:
            release_id = stack.release(client, zip_bytes(project()))
            wait_until(
                lambda: read(client, f"/releases/{release_id}")["status"] == "awaiting_test",
                timeout=60,
                interval=0.05,
            )
            build = read(client, f"/releases/{release_id}")["build"]
            version = f"/mini-programs/{stack.mini_program_id}/versions/1.0.0"
            source = read(client, version)["package"]
        worker.terminate()
        assert worker.wait(30) == 0, (tmp_path / "worker.log").read_text()[-3000:]

    with stack.client(reader) as client:
        package = client.get(f"{API}/packages/{build['sha256']}")
        assert package.status_code == 200, package.text
        assert hashlib.sha256(package.content).hexdigest() == build["sha256"]
        uploaded = client.get(f"{API}{version}/package")
        assert uploaded.status_code == 200, uploaded.text
        assert hashlib.sha256(uploaded.content).hexdigest() == source["sha256"]

    assert keys(s3.endpoint, s3.bucket) == sorted(
        f"{s3.prefix}/{private_key(sha256)}" for sha256 in (source["sha256"], build["sha256"])
    )
    for data_dir in data_dirs:
        assert _files(data_dir / "blobs") == []
        assert [p for p in _files(data_dir / "tmp") if p.name not in (".lock", ".owner")] == []
