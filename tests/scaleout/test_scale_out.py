"""Production mode across machines (issue 11), run the way the README's "Running in
production" tells an operator to: two API machines (``serve --no-jobs``) behind a load
balancer and two worker machines, on PostgreSQL and an S3-compatible store (moto's
server). A hundred releases go from upload to tested at once, through both API machines;
meanwhile one worker is killed outright (and its machine starts a new one, as systemd
would) and one API machine is restarted the way a deploy does it. Then some releases go
all the way: full release, a grayscale of the next version, and a full release of it.

Nothing may be stuck, lost or done twice; no request may get a 5xx; every package must be
in the bucket and none on any machine's disk; both API machines must give every user the
same launch answer; and each process's /metrics must show the work it did."""

from __future__ import annotations

import hashlib
import json
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.jobs import Job
from minirelease.releases.models import CompatibilityRun
from minirelease.storage import open_blob_store
from minirelease.storage.blobs import private_key, public_key
from tests.databases import own_database_url
from tests.observability.scrape import value
from tests.releases.live import wait_until
from tests.scaleout.cluster import MINIRELEASE, Balancer, Machine
from tests.scaleout.layout import Layout, read_layout
from tests.scaleout.world import Driver, World, seed
from tests.storage.conftest import S3Place
from tests.storage.moto import AWS_ENV, inspect_client, public_read

RELEASES = 100
# Of those, the mini programs taken on to full release and a grayscale of 1.1.0.
ONWARD = 8
USERS = [f"user-{n}" for n in range(200)]


def _signing_key(path: Path) -> Path:
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _environment(layout: Layout, url: str, s3: S3Place, tmp_path: Path) -> dict[str, str]:
    """A value for each variable of deploy/minirelease.env.example, and no other."""
    values = {
        **AWS_ENV,
        "MINIRELEASE_DATABASE_URL": url,
        "MINIRELEASE_DATA_DIR": str(tmp_path / "unused-data"),  # each machine has its own
        "MINIRELEASE_STORAGE_URL": s3.url,
        "MINIRELEASE_S3_ENDPOINT_URL": s3.endpoint,
        # moto serves the bucket at endpoint/bucket: the "CDN" in front of it.
        "MINIRELEASE_PACKAGE_BASE_URL": f"{s3.endpoint}/{s3.bucket}",
        "MINIRELEASE_SIGNING_KEY_FILE": str(_signing_key(tmp_path / "signing-key.pem")),
        "MINIRELEASE_METRICS_DIR": str(tmp_path / "unused-metrics"),  # each machine's own
        "MINIRELEASE_LOG_FORMAT": "json",
        "MINIRELEASE_RUN_JOBS": "0",
    }
    assert sorted(values) == sorted(layout.variables), "deploy/minirelease.env.example changed"
    return values


class Cluster:
    def __init__(self, layout: Layout, env: dict[str, str], tmp_path: Path) -> None:
        self.apis = [
            Machine(f"api{n}", layout.api, env, tmp_path / f"api{n}", "port") for n in (1, 2)
        ]
        self.workers = [
            Machine(f"worker{n}", layout.worker, env, tmp_path / f"worker{n}", "metrics_port")
            for n in (1, 2)
        ]

    def start(self) -> None:
        for machine in self.apis + self.workers:
            machine.start()
        for api in self.apis:
            api.wait_ready()
        for worker in self.workers:
            worker.wait_ready("/metrics")

    def stop(self) -> None:
        for machine in self.apis + self.workers:
            if machine.process is not None:
                machine.stop()


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    with own_database_url("postgresql", tmp_path) as url:
        yield url


def _migrate(layout: Layout, env: dict[str, str], tmp_path: Path) -> None:
    import os
    import subprocess

    done = subprocess.run(
        [MINIRELEASE, *layout.migrate[1:]],
        env={**os.environ, **env, "MINIRELEASE_DATA_DIR": str(tmp_path / "migrate")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _running_job_of(sessions: sessionmaker, machine: Machine) -> bool:  # type: ignore[type-arg]
    """Whether ``machine``'s worker is in the middle of a job (its pid claimed one)."""
    assert machine.process is not None
    with sessions() as session:
        claimed = session.scalars(select(Job.claimed_by).where(Job.status == "running")).all()
    return any(f"/{machine.process.pid}/" in (c or "") for c in claimed)


@pytest.mark.slow
def test_two_api_and_two_worker_machines_lose_nothing(
    postgres_url: str, s3: S3Place, tmp_path: Path
) -> None:
    layout = read_layout()
    env = _environment(layout, postgres_url, s3, tmp_path)
    # The bucket policy of the README's "Package storage": only public/ may be read by all.
    policy = json.dumps(public_read(s3.bucket, s3.prefix))
    inspect_client(s3.endpoint).put_bucket_policy(Bucket=s3.bucket, Policy=policy)
    _migrate(layout, env, tmp_path)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    settings = Settings(
        data_dir=tmp_path / "test-data",
        database_url=postgres_url,
        storage_url=s3.url,
        s3_endpoint_url=s3.endpoint,
        package_base_url=f"{env['MINIRELEASE_PACKAGE_BASE_URL']}/{s3.prefix}",
    )
    world = seed(sessions, settings, RELEASES)
    cluster = Cluster(layout, env, tmp_path)
    balancer = Balancer(cluster.apis, {})
    driver = Driver(balancer, world)
    try:
        cluster.start()
        # 1. A hundred releases from upload to tested at once, with a worker killed and an
        # API machine restarted on the way.
        chaos = Chaos(cluster, balancer, sessions)
        chaos.start()
        with ThreadPoolExecutor(max_workers=25) as pool:
            release_ids = list(pool.map(lambda p: driver.to_tested(p, "1.0.0"), world.programs))
        chaos.join(120)
        assert not chaos.is_alive() and chaos.error is None, chaos.error

        # 2. Some go on: full release of 1.0.0, then a 30 % grayscale of 1.1.0, of which
        # half are released fully.
        onward = world.programs[:ONWARD]
        for release_id in release_ids[:ONWARD]:
            driver.approved(release_id)
            assert driver.act(release_id, "full-release") == "released"
        with ThreadPoolExecutor(max_workers=ONWARD) as pool:
            next_ids = list(pool.map(lambda p: driver.to_tested(p, "1.1.0"), onward))
        for n, release_id in enumerate(next_ids):
            driver.approved(release_id)
            assert driver.act(release_id, "grayscale", {"percentage": 30}) == "grayscale"
            if n % 2:
                assert driver.act(release_id, "full-release") == "released"

        _check_launches(cluster, world, onward)
        _check_no_server_error(balancer)
        _check_jobs(sessions, expected=RELEASES + ONWARD)
        _check_storage(cluster, settings, driver, world, next_ids)
        _check_metrics(cluster)
    finally:
        balancer.close()
        cluster.stop()
        engine.dispose()
        for machine in cluster.apis + cluster.workers:
            print(f"--- {machine.name}\n{machine.log()[-1500:]}")


def _succeeded_jobs(sessions: sessionmaker) -> int:  # type: ignore[type-arg]
    with sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(Job).where(Job.status == "succeeded")
        )
    return int(count or 0)


def _chaos(cluster: Cluster, balancer: Balancer, sessions: sessionmaker) -> None:  # type: ignore[type-arg]
    # SIGKILL worker1 in the middle of a job; its machine starts a new worker.
    worker = cluster.workers[0]
    wait_until(lambda: _running_job_of(sessions, worker), timeout=300, interval=0.05)
    worker.kill()
    worker.start()
    worker.wait_ready("/metrics")
    # Half-way (a hundred of the two hundred jobs done), restart api2 as a deploy does:
    # out of rotation, SIGTERM, start, back into rotation once ready.
    wait_until(lambda: _succeeded_jobs(sessions) >= RELEASES, timeout=600, interval=0.5)
    api = cluster.apis[1]
    balancer.drain(api)
    # uvicorn ends a graceful stop by raising the signal again: -15 is a clean exit.
    assert api.stop() == -signal.SIGTERM, api.log()
    assert "Application shutdown complete" in api.log()
    api.start()
    api.wait_ready()
    balancer.restore(api)


class Chaos(threading.Thread):
    """_chaos on a thread of its own, its failure kept for the test to raise."""

    def __init__(self, *args: object) -> None:
        super().__init__(name="chaos")
        self.args_ = args
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            _chaos(*self.args_)  # type: ignore[arg-type]
        except BaseException as exc:  # handed to the test
            self.error = exc


def _check_no_server_error(balancer: Balancer) -> None:
    assert balancer.server_errors() == []
    assert len(balancer.statuses) > RELEASES * 6


def _check_jobs(sessions: sessionmaker, expected: int) -> None:  # type: ignore[type-arg]
    with sessions() as session:
        jobs = session.scalars(select(Job)).all()
        runs = session.scalars(select(CompatibilityRun)).all()
    by_kind_status = Counter((job.kind, job.status) for job in jobs)
    # Every build and every compatibility run done once, none left behind or failed.
    assert by_kind_status == {("build", "succeeded"): expected, ("compat", "succeeded"): expected}
    assert len({job.subject_id for job in jobs}) == 2 * expected
    assert len(runs) == expected and len({run.release_id for run in runs}) == expected
    # The worker killed in the middle of a job: that job ran again, and says why.
    lost = [job for job in jobs if job.attempts > 1]
    assert lost, "the killed worker held no job"
    assert all("lost during attempt" in (job.error or "") for job in lost)


def _check_storage(
    cluster: Cluster, settings: Settings, driver: Driver, world: World, release_ids: list[str]
) -> None:
    store = open_blob_store(settings)
    for program in world.programs[:ONWARD]:
        for version in ("1.0.0", "1.1.0"):
            got = driver.call("GET", f"/mini-programs/{program.id}/versions/{version}")
            source = got["package"]["sha256"]
            assert store.exists(source)
            # Uploaded sources are never public, not even at the CDN's address.
            for key in (public_key(source), private_key(source)):
                anyone = httpx2.get(f"{settings.package_base_url}/{key}", timeout=10)
                assert anyone.status_code in (403, 404), key
    for release_id in release_ids:
        build = driver.call("GET", f"/releases/{release_id}")["build"]
        assert store.exists(build["sha256"])
    for machine in cluster.apis + cluster.workers:
        data = Path(machine.env["MINIRELEASE_DATA_DIR"])
        left = [
            p
            for p in data.rglob("*")
            if p.is_file() and p.name not in (".lock", ".owner") and p.suffix != ".pem"
        ]
        assert left == [], f"{machine.name} kept files on its disk"


def _launch(client: httpx2.Client, partner: str, app_id: str, user: str) -> dict[str, object]:
    """A user's launch answer, its package URL made relative: each machine names itself in
    it, which behind the load balancer is one public address."""
    response = client.get(f"/api/v1/launch/{partner}/{app_id}", params={"user_id": user})
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    package = answer["package"]
    assert isinstance(package, dict)
    base = str(client.base_url).rstrip("/")
    assert package["url"].startswith(base), package
    package["url"] = package["url"].removeprefix(base)
    return answer


def _answers_everywhere(
    clients: list[httpx2.Client], partner: str, app_id: str
) -> list[dict[str, object]]:
    """Every user's launch answer, once both API machines give the same ones."""

    def same() -> list[dict[str, object]] | None:
        answers = [[_launch(c, partner, app_id, user) for user in USERS] for c in clients]
        return answers[0] if answers[0] == answers[1] else None

    found: list[dict[str, object]] = wait_until(same, timeout=10, interval=0.2)
    return found


def _check_launches(cluster: Cluster, world: World, programs: list) -> None:  # type: ignore[type-arg]
    clients = [httpx2.Client(base_url=api.base_url, timeout=10) for api in cluster.apis]
    try:
        for program in programs:
            answers = _answers_everywhere(clients, world.partner, program.app_id)
            versions = Counter(str(a["version"]) for a in answers)
            assert set(versions) <= {"1.0.0", "1.1.0"}
            if versions["1.0.0"]:  # the grayscale: about 30 % get the new version
                assert 30 <= versions["1.1.0"] <= 90, versions
    finally:
        for client in clients:
            client.close()
    # A package is downloaded from the store's public address (the CDN's origin).
    package = answers[0]["package"]
    assert isinstance(package, dict)
    url = cluster.apis[0].base_url + str(package["url"])
    download = httpx2.get(url, follow_redirects=True, timeout=30)
    assert download.status_code == 200, download.text
    assert hashlib.sha256(download.content).hexdigest() == package["sha256"]
    assert str(download.url).startswith(cluster.apis[0].env["MINIRELEASE_PACKAGE_BASE_URL"])


def _check_metrics(cluster: Cluster) -> None:
    launches = len(USERS) * ONWARD
    for api in cluster.apis:
        # Each API machine answered every launch of its own (the restarted one since then).
        assert value(api.metrics(), "minirelease_launches_total") >= launches, api.name
    done = [
        value(worker.metrics(), "minirelease_job_duration_seconds_count", outcome="succeeded")
        for worker in cluster.workers
    ]
    # The killed worker's counts went with it: its successor and the other worker each
    # show the jobs they ran, and no more than there were.
    assert all(n > 0 for n in done), done
    assert sum(done) <= 2 * (RELEASES + ONWARD)
