"""One signing key across processes, with real ``minirelease serve`` processes on one
database (SQLite and PostgreSQL): a second server with another data directory (so another
key) refuses to start; after ``minirelease keys rotate`` a server with the new key starts,
one restarted with the old key refuses, and partner apps verify both keys' manifests by key
id until the old key is retired with ``minirelease keys retire``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minirelease import migrate
from minirelease.build.signing import Signer, load_or_create_signing_key
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.resolver import KeyRing, Resolver, SignatureInvalid
from tests.cli.live_demo import run_in_process
from tests.factories import Factory
from tests.releases.live import ROOT, ServerProcess

pytestmark = pytest.mark.slow
PARTNER = "wallet"
# The API only: no job threads, no compatibility lab processes.
SERVER_ENV = {"MINIRELEASE_RUN_JOBS": "0"}


@pytest.fixture
def database(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    factory = Factory(
        make_session_factory(engine),
        Settings(data_dir=tmp_path / "factory", database_url=empty_database_url),
    )
    factory.partner_app(PARTNER)
    engine.dispose()
    yield empty_database_url


class Servers:
    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.started: list[ServerProcess] = []

    def start(self, name: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(
            self.database_url,
            self.tmp_path / f"data-{name}",
            self.tmp_path / f"{name}.log",
            env={**SERVER_ENV, **(env or {})},
        )
        self.started.append(server)
        return server

    def refused(self, name: str, env: dict[str, str] | None = None) -> str:
        """Start a server that must refuse to start: its log."""
        server = self.start(name, env)
        code = server.process.wait(30)
        assert code != 0
        return server.log()

    def keys(self, name: str) -> Signer:
        """The key a server created in its data directory."""
        return load_or_create_signing_key(self.tmp_path / f"data-{name}")

    def cli(
        self, *args: str, data: str = "cli", process: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """``minirelease ARGS`` on the servers' database: in the test's process (the
        server's modules are loaded already), or with ``process`` in one of its own."""
        env = {
            **os.environ,
            "MINIRELEASE_DATABASE_URL": self.database_url,
            "MINIRELEASE_DATA_DIR": str(self.tmp_path / f"data-{data}"),
        }
        if not process:
            return run_in_process(list(args), env, ROOT)
        return subprocess.run(
            [sys.executable, "-m", "minirelease.cli.main", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def stop(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def servers(database: str, tmp_path: Path) -> Iterator[Servers]:
    group = Servers(database, tmp_path)
    try:
        yield group
    finally:
        group.stop()


def get(server: ServerProcess, path: str) -> httpx2.Response:
    response = httpx2.get(f"{server.base_url}/api/v1{path}", timeout=10)
    assert response.status_code == 200, response.text
    return response


def new_key_file(path: Path) -> Signer:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Signer(key)


def test_a_second_server_with_another_key_refuses_to_start(servers: Servers) -> None:
    first = servers.start("a")
    first.wait_ready()
    published = get(first, "/signing-key").json()
    first_key = servers.keys("a").key_id
    assert published["key_id"] == first_key
    assert [(k["key_id"], k["status"]) for k in published["keys"]] == [(first_key, "active")]

    log = servers.refused("b")  # same database, its own data directory: its own key
    second_key = servers.keys("b").key_id
    assert second_key != first_key
    assert f"this process's signing key {second_key} is not the platform's active" in log
    assert f"the active signing key recorded in the database is {first_key}" in log
    assert "MINIRELEASE_SIGNING_KEY_FILE" in log
    # A worker with that data directory's key refuses too: it would sign builds.
    worker = servers.cli("worker", data="b", process=True)
    assert worker.returncode == 1
    assert f"signing key {second_key} is not the platform's active" in worker.stderr

    # The same key, configured rather than kept in the data directory, starts.
    pem = (servers.tmp_path / "data-a" / "signing_key.pem").read_text()
    same = servers.start("c", {"MINIRELEASE_SIGNING_KEY": pem})
    same.wait_ready()
    assert get(same, "/signing-key").json()["key_id"] == first_key
    assert get(first, "/signing-key").json() == get(same, "/signing-key").json()


def test_rotation_publishes_both_keys_until_the_old_one_is_retired(servers: Servers) -> None:
    old = servers.start("old")
    old.wait_ready()
    old_key = servers.keys("old").key_id
    old_manifest = get(old, f"/partner-apps/{PARTNER}/manifest").content
    serving = [old]  # the server partner apps reach (behind a load balancer)
    ring = KeyRing(lambda: get(serving[0], "/signing-key").content)
    assert Resolver.from_envelope(old_manifest, ring, partner_app=PARTNER).partner_app == PARTNER
    assert ring.keys.key_ids == {old_key}

    key_file = servers.tmp_path / "new-key.pem"
    new = new_key_file(key_file)
    rotated = servers.cli("keys", "rotate", "--new-key-file", str(key_file), "--json", process=True)
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["key_id"] == new.key_id

    # A server started with the new key signs with it; the running old one still signs with
    # the old key, now a previous key: both are published, by every server.
    current = servers.start("new", {"MINIRELEASE_SIGNING_KEY_FILE": str(key_file)})
    current.wait_ready()
    serving[0] = current
    listing = get(current, "/signing-key").json()
    assert listing["key_id"] == new.key_id
    assert [(k["key_id"], k["status"]) for k in listing["keys"]] == [
        (new.key_id, "active"),
        (old_key, "previous"),
    ]
    assert get(old, "/signing-key").json()["keys"] == listing["keys"]
    assert get(old, "/signing-key").json()["key_id"] == old_key

    # The ring knows only the old key: the new key id makes it fetch the keys again, once.
    new_manifest = get(current, f"/partner-apps/{PARTNER}/manifest").content
    assert json.loads(new_manifest)["key_id"] == new.key_id
    Resolver.from_envelope(new_manifest, ring, partner_app=PARTNER)
    assert ring.keys.key_ids == {new.key_id, old_key}
    Resolver.from_envelope(old_manifest, ring, partner_app=PARTNER)
    # An SDK without key ids, pinned to the active key, keeps working for what it signs.
    pinned = listing["public_key"]
    Resolver.from_envelope(new_manifest, pinned, partner_app=PARTNER)

    # Restarted with the old key, a server refuses: its key was rotated out.
    old.stop()
    log = servers.refused("old")
    assert f"this process's signing key {old_key} was rotated out on" in log
    assert f"the active signing key recorded in the database is {new.key_id}" in log

    refused = servers.cli("keys", "retire", new.key_id)
    assert refused.returncode == 1
    assert "is the active signing key" in refused.stderr
    retired = servers.cli("keys", "retire", old_key)
    assert retired.returncode == 0, retired.stderr
    listing = get(current, "/signing-key").json()
    assert [k["key_id"] for k in listing["keys"]] == [new.key_id]

    # Once the ring refreshes (every max_age seconds, or now), the old key is refused.
    Resolver.from_envelope(old_manifest, ring, partner_app=PARTNER)  # still held
    ring.refresh()
    with pytest.raises(SignatureInvalid, match=f"signed with key '{old_key}'"):
        Resolver.from_envelope(old_manifest, ring, partner_app=PARTNER)
    assert ring.keys.key_ids == {new.key_id}
    Resolver.from_envelope(new_manifest, ring, partner_app=PARTNER)

    keys = json.loads(servers.cli("keys", "list", "--json").stdout)
    assert [(k["key_id"], k["status"]) for k in keys] == [
        (new.key_id, "active"),
        (old_key, "retired"),
    ]
