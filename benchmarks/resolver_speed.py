"""Decisions per second of the resolver SDK (minirelease.resolver) on one core, for a 5 %
percentage rollout over 1,000,000 user ids, next to the floor (a bare murmur3 loop over
the same keys, already encoded) and, where installed (``pip install -e '.[bench]'``),
GrowthBook's and Unleash's Python SDKs evaluating the same kind of rollout in-process.

    .venv/bin/python -m benchmarks.resolver_speed [--users N] [--repeat R]

Every figure is the best of R runs. The third-party SDKs are slower by orders of
magnitude, so they run over the first ``--others`` ids only; their rates are per second
all the same. Each contender's share of users in the rollout is printed as a sanity
check: all should be close to 5 %."""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import mmh3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minirelease.build.signing import Signer
from minirelease.resolver import Channel, Resolver
from minirelease.resolver.bucketing import key_hash
from minirelease.resolver.decide import tester_digest
from minirelease.rollout.manifest import sign_manifest

APP_ID = "2021000000000001"
RELEASE_ID = "rel_01JBENCHMARKRELEASE0000000"
BASIS_POINTS = 500  # 5 %
FEATURE = "new-version"


def _package(release_id: str, version: str) -> dict[str, Any]:
    sha256 = "ab" * 32 if version == "1.0.0" else "cd" * 32
    return {
        "release_id": release_id,
        "version": version,
        "sha256": sha256,
        "size": 123_456,
        "signature": "c2lnbmF0dXJl",
        "url": f"/api/v1/packages/{sha256}",
    }


def signed_manifest(signer: Signer, testers: int = 0) -> bytes:
    """A manifest in the served format: one mini program, 1.0.0 online, 1.1.0 at 5 %
    (and its ``testers`` pilot testers, who cost each decision a SHA-256)."""
    candidate = _package(RELEASE_ID, "1.1.0") | {
        "state": "grayscale",
        "basis_points": BASIS_POINTS,
        "halted": False,
        "tester_salt": RELEASE_ID,
        "testers": sorted(tester_digest(RELEASE_ID, f"tester-{n}").hex() for n in range(testers)),
    }
    manifest = {
        "format": 1,
        "partner_app": "wallet",
        "serial": 1,
        "mini_programs": {
            APP_ID: {
                "removed": False,
                "online": _package("rel_01JBENCHMARKONLINE00000000", "1.0.0"),
                "candidate": candidate,
            }
        },
    }
    return sign_manifest(manifest, signer)  # the server's own envelope (JCS)


Run = Callable[[], list[Any]]  # decides for every id, returns the answers in order


def best_rate(run: Run, repeat: int) -> tuple[float, list[Any]]:
    """(decisions per second, answers) of the fastest of ``repeat`` runs."""
    best = float("inf")
    answers: list[Any] = []
    for _ in range(repeat):
        started = time.perf_counter()
        answers = run()
        best = min(best, time.perf_counter() - started)
    return len(answers) / best, answers


def in_rollout(answer: Any) -> bool:
    """Whether an answer (a bool, or the SDK's Decision) is the new version."""
    if isinstance(answer, bool):
        return answer
    return answer is not None and answer.channel is Channel.GRAYSCALE


def sdk_contenders(users: Sequence[str]) -> dict[str, Run]:
    signer = Signer(Ed25519PrivateKey.generate())
    key = signer.public_key_raw_b64()
    resolver = Resolver.from_envelope(signed_manifest(signer), key)
    with_testers = Resolver.from_envelope(signed_manifest(signer, testers=200), key)
    keys = [f"{RELEASE_ID}:{user}".encode() for user in users]
    resolve = resolver.resolve

    def floor_mmh3_hash() -> list[Any]:
        hash32 = mmh3.hash
        return [hash32(key, 0, False) % 10_000 < BASIS_POINTS for key in keys]

    def floor_uintdigest() -> list[Any]:
        return [key_hash(key) % 10_000 < BASIS_POINTS for key in keys]

    def sdk_resolve() -> list[Any]:
        return [resolve(APP_ID, user) for user in users]

    def sdk_resolve_many() -> list[Any]:
        return resolver.resolve_many(APP_ID, users)

    def sdk_resolve_with_testers() -> list[Any]:
        return [with_testers.resolve(APP_ID, user) for user in users]

    return {
        "minirelease.resolver Resolver.resolve(app_id, user_id)": sdk_resolve,
        "minirelease.resolver Resolver.resolve_many(app_id, ids)": sdk_resolve_many,
        "minirelease.resolver resolve, 5 % and 200 pilot testers": sdk_resolve_with_testers,
        "floor: mmh3.hash(key) % 10000 < bp, keys pre-encoded": floor_mmh3_hash,
        "floor: mmh3_32_uintdigest(key) % 10000 < bp, pre-encoded": floor_uintdigest,
    }


def growthbook_contender(users: Sequence[str]) -> Run | None:
    try:
        from growthbook import GrowthBook
    except ImportError:
        return None
    # A percentage rollout rule: force the feature on for 5 % of users, hashed on "id".
    features = {
        FEATURE: {
            "defaultValue": False,
            "rules": [{"force": True, "coverage": BASIS_POINTS / 10_000, "hashAttribute": "id"}],
        }
    }
    gb = GrowthBook(features=features)

    def is_on(user: str) -> bool:
        gb.set_attributes({"id": user})
        return gb.is_on(FEATURE)

    return lambda: [is_on(user) for user in users]


def unleash_contender(users: Sequence[str], cache_dir: str) -> tuple[Run, Any] | None:
    try:
        from UnleashClient import UnleashClient
        from UnleashClient.cache import FileCache
    except ImportError:
        return None
    toggles = {
        "version": 1,
        "features": [
            {
                "name": FEATURE,
                "enabled": True,
                "strategies": [
                    {
                        "name": "flexibleRollout",
                        "parameters": {
                            "rollout": str(BASIS_POINTS // 100),
                            "stickiness": "userId",
                            "groupId": FEATURE,
                        },
                    }
                ],
            }
        ],
    }
    cache = FileCache("resolver-bench", directory=cache_dir)
    cache.bootstrap_from_dict(toggles)
    # Bootstrapped and never initialized: no scheduler, no request to the (absent) server.
    client = UnleashClient(
        url="http://127.0.0.1:9",
        app_name="resolver-bench",
        disable_metrics=True,
        disable_registration=True,
        cache=cache,
    )
    is_enabled = client.is_enabled
    return (lambda: [is_enabled(FEATURE, {"userId": user}) for user in users]), client


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--others", type=int, default=100_000, help="ids for third-party SDKs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    users = [f"user-{n}" for n in range(args.users)]
    others = users[: args.others]

    rows: list[tuple[str, float, float, int]] = []

    def measure(name: str, run: Run) -> None:
        rate, answers = best_rate(run, args.repeat)
        share = sum(1 for answer in answers if in_rollout(answer)) / len(answers)
        rows.append((name, rate, share, len(answers)))

    for name, run in sdk_contenders(users).items():
        measure(name, run)
    growthbook = growthbook_contender(others)
    if growthbook is not None:
        measure("GrowthBook (python) is_on, 5 % rollout rule on id", growthbook)
    with tempfile.TemporaryDirectory() as cache_dir:
        unleash = unleash_contender(others, cache_dir)
        if unleash is not None:
            run, client = unleash
            measure("Unleash (python) is_enabled, flexibleRollout 5 %", run)
            # Never started, so its scheduler complains at teardown: nothing to report.
            logging.getLogger("UnleashClient").setLevel(logging.CRITICAL)
            client.destroy()

    sdk_rate = rows[0][1]
    print(f"{'contender':60} {'decisions/s':>14} {'share':>7} {'ids':>10} {'resolve is':>11}")
    for name, rate, share, count in rows:
        print(f"{name:60} {rate:14,.0f} {share:7.2%} {count:10,} {sdk_rate / rate:10.2f}x")


if __name__ == "__main__":
    main()
