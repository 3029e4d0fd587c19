"""The resolution rule on compiled rollouts (issue 5): removed, pilot testers, grayscale
buckets, the halt rule, nothing online; and the server's ``resolve`` giving the same
answers from its raw tester ids as the SDK gives from their salted hashes."""

from __future__ import annotations

from typing import Any

import pytest

from minirelease import errors as domain
from minirelease.resolver import errors as sdk_errors
from minirelease.resolver.bucketing import bucket
from minirelease.resolver.decide import AppRollout, Channel, decide
from minirelease.resolver.decide import tester_digest as digest  # not a test: rename
from minirelease.rollout.resolve import Package, PairRollout, resolve

USERS = [f"user-{n}" for n in range(3000)] + ["", "张三", "🙂", " ", "a:b"]
TESTERS = frozenset({"qa", "张三", "user-7"})


def _rollout(**kw: Any) -> AppRollout[str]:
    defaults: dict[str, Any] = {
        "online": "online",
        "candidate_release_id": "rel_new",
        "pilot": "pilot",
        "grayscale": "grayscale",
        "state": "grayscale",
        "tester_salt": "rel_new",
        "tester_digests": {digest("rel_new", t) for t in TESTERS},
    }
    return AppRollout(**{**defaults, **kw})


def _expected(user: str | None, points: int, *, halted: bool = False, pilot: bool = False) -> str:
    if not user or halted:
        return "online"
    if user in TESTERS:
        return "pilot"
    if not pilot and bucket("rel_new", user) < points:
        return "grayscale"
    return "online"


@pytest.mark.parametrize("points", [0, 1, 500, 5000, 9999, 10_000])
def test_grayscale_and_testers(points: int) -> None:
    rollout = _rollout(basis_points=points)
    for user in [None, *USERS]:
        assert rollout.choose(user) == _expected(user, points), user


def test_a_pilot_serves_only_its_testers_whatever_its_basis_points() -> None:
    pilot = _rollout(state="pilot", basis_points=5000)
    for user in USERS:
        assert pilot.choose(user) == _expected(user, 5000, pilot=True), user


def test_halted_serves_nobody_testers_included() -> None:
    halted = _rollout(basis_points=10_000, halted=True)
    assert {halted.choose(u) for u in [None, *USERS, *TESTERS]} == {"online"}


def test_removed_and_not_released() -> None:
    with pytest.raises(sdk_errors.Removed, match="removed"):
        _rollout(removed=True).choose("qa")
    first_pilot = _rollout(online=None, state="pilot")
    assert decide(first_pilot, "qa") == "pilot"
    assert first_pilot.choose("someone") is None
    for user in ("someone", "", None):
        with pytest.raises(sdk_errors.NotReleased, match="no version"):
            decide(first_pilot, user)
    with pytest.raises(sdk_errors.NotReleased):
        decide(AppRollout[str](), "x")


def test_tester_salt_may_differ_from_the_release_id() -> None:
    rollout = _rollout(tester_salt="pepper", tester_digests={digest("pepper", "qa")})
    assert rollout.choose("qa") == "pilot"
    assert _rollout(tester_salt="pepper").choose("qa") != "pilot"  # hashed with another salt


@pytest.mark.parametrize(
    "bad",
    [
        {"state": "approved"},
        {"state": None},
        {"basis_points": -1},
        {"basis_points": 10_001},
    ],
)
def test_refuses_impossible_rollouts(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _rollout(**bad)


OLD = Package("rel_old", "1.0.0", "a" * 64, 10, "sig-old")
NEW = Package("rel_new", "1.1.0", "b" * 64, 12, "sig-new")


@pytest.mark.parametrize(
    ("status", "points", "halted"),
    [("pilot", 0, False), ("grayscale", 0, False), ("grayscale", 2500, False),
     ("grayscale", 10_000, False), ("grayscale", 2500, True)],
)  # fmt: skip
def test_the_server_decides_by_the_same_rule(status: str, points: int, halted: bool) -> None:
    server = PairRollout(
        online=OLD,
        candidate=NEW,
        candidate_status=status,
        basis_points=points,
        halted=halted,
        testers=TESTERS,
    )
    for user in [None, *USERS]:
        expected = _expected(user, points, halted=halted, pilot=status == "pilot")
        decision = resolve(server, user)
        assert decision.channel == Channel(expected), user
        assert decision.package == (OLD if expected == "online" else NEW)


def test_the_server_raises_its_domain_errors() -> None:
    with pytest.raises(domain.Removed, match="removed"):
        resolve(PairRollout(removed=True, online=OLD), "x")
    with pytest.raises(domain.NotReleased, match="no version"):
        resolve(PairRollout(candidate=NEW, candidate_status="pilot", testers=TESTERS), "x")
    with pytest.raises(domain.NotReleased):
        resolve(PairRollout(), None)
