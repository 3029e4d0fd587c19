"""The manifest cache (issue 13, item 5): each (partner app, serial) is built and signed
once, however many requests want it at the same time, and a slow build of an older serial
never replaces a newer manifest. The builder is a controllable fake: it counts its builds
and, when told to, holds a build until the test lets it finish."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from types import MappingProxyType

import pytest

from minirelease.rollout.manifest import ManifestCache, ManifestSigner, SignedManifest
from minirelease.rollout.state import RolloutSnapshot

PATH = "/api/v1/packages/"
FIRST = RolloutSnapshot(serial=1, partners=MappingProxyType({"wallet": MappingProxyType({})}))
SECOND = replace(FIRST, serial=2)  # the same history, one change later


class Signer:
    key_id = "key-1"

    def sign(self, data: bytes) -> str:
        return "signature"


class Builder:
    """Builds a manifest whose body names its serial; holds builds of ``held`` serials
    until ``finish`` is set."""

    def __init__(self, *held: int) -> None:
        self.held = set(held)
        self.started = threading.Event()
        self.finish = threading.Event()
        self.builds: list[int] = []
        self.fail = False

    def __call__(
        self, snapshot: RolloutSnapshot, code: str, path: str, signer: ManifestSigner
    ) -> SignedManifest | None:
        self.builds.append(snapshot.serial)
        self.started.set()
        if snapshot.serial in self.held:
            assert self.finish.wait(10)
        if self.fail:
            raise RuntimeError("the signing key is unavailable")
        body = f"manifest {snapshot.serial}".encode()
        return SignedManifest(serial=snapshot.serial, body=body, etag=f'"{snapshot.serial}"')


def _requests(
    cache: ManifestCache, snapshot: RolloutSnapshot, count: int
) -> tuple[ThreadPoolExecutor, list[Future[SignedManifest | None]], threading.Barrier]:
    """``count`` requests at once; the barrier is passed when all have been sent."""
    sent = threading.Barrier(count + 1)

    def request() -> SignedManifest | None:
        sent.wait(10)
        return cache.get(snapshot, "wallet", PATH, Signer())

    pool = ThreadPoolExecutor(count)
    return pool, [pool.submit(request) for _ in range(count)], sent


def test_concurrent_requests_for_one_serial_build_once() -> None:
    builder = Builder(1)
    cache = ManifestCache(build=builder)
    pool, futures, sent = _requests(cache, FIRST, 16)
    sent.wait(10)
    assert builder.started.wait(10)
    # Every request is in get() now, one building; a moment for the others to reach
    # the build they wait for (any that arrive after it finishes find it held anyway).
    time.sleep(0.1)
    builder.finish.set()
    answers = {future.result(10) for future in futures}
    pool.shutdown()
    assert builder.builds == [1]
    assert len(answers) == 1  # the very same object, to every request
    assert cache.get(FIRST, "wallet", PATH, Signer()) in answers
    assert builder.builds == [1]


def test_a_late_build_of_an_older_serial_never_replaces_a_newer_one() -> None:
    builder = Builder(1)
    cache = ManifestCache(build=builder)
    slow_pool, slow, sent = _requests(cache, FIRST, 1)  # read the snapshot before a change
    sent.wait(10)
    assert builder.started.wait(10)
    newer = cache.get(SECOND, "wallet", PATH, Signer())
    assert newer is not None and newer.serial == 2
    builder.finish.set()
    late = slow[0].result(10)
    slow_pool.shutdown()
    assert late is not None and late.serial == 1  # its own request gets what it asked for
    assert cache.get(SECOND, "wallet", PATH, Signer()) is newer
    assert cache.get(FIRST, "wallet", PATH, Signer()) is newer  # older asks: the newer
    assert builder.builds == [1, 2]


def test_a_new_serial_builds_again_and_a_failed_build_fails_its_waiters_only_once() -> None:
    builder = Builder()
    cache = ManifestCache(build=builder)
    first = cache.get(FIRST, "wallet", PATH, Signer())
    assert cache.get(SECOND, "wallet", PATH, Signer()) is not first
    builder.fail = True
    third = replace(FIRST, serial=3)
    with pytest.raises(RuntimeError):
        cache.get(third, "wallet", PATH, Signer())
    builder.fail = False
    rebuilt = cache.get(third, "wallet", PATH, Signer())  # not stuck on the failed build
    assert rebuilt is not None and rebuilt.serial == 3
    assert builder.builds == [1, 2, 3, 3]


def test_a_restarted_history_is_not_served_an_old_manifest_of_the_same_serial() -> None:
    builder = Builder()
    cache = ManifestCache(build=builder)
    cache.get(SECOND, "wallet", PATH, Signer())
    restarted = RolloutSnapshot(serial=1, partners=FIRST.partners)  # another history
    answer = cache.get(restarted, "wallet", PATH, Signer())
    assert answer is not None and answer.serial == 1
    assert builder.builds == [2, 1]
