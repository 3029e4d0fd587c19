from __future__ import annotations

import pytest

from minirelease.errors import NotReleased, Removed
from minirelease.rollout.bucketing import bucket
from minirelease.rollout.resolve import Channel, Package, PairRollout, resolve

OLD = Package("rel_old", "1.0.0", "a" * 64, 10, "sig-old")
NEW = Package("rel_new", "1.1.0", "b" * 64, 12, "sig-new")
USERS = [f"user-{n}" for n in range(4000)]


def _gray(points: int, **kw: object) -> PairRollout:
    return PairRollout(
        online=OLD, candidate=NEW, candidate_status="grayscale", basis_points=points, **kw
    )  # type: ignore[arg-type]


def test_grayscale_follows_the_bucket_exactly() -> None:
    rollout = _gray(2500)
    for user in USERS:
        decision = resolve(rollout, user)
        expected_new = bucket("rel_new", user) < 2500
        assert (decision.package == NEW) is expected_new
        assert decision.channel == (Channel.GRAYSCALE if expected_new else Channel.ONLINE)


def test_no_user_id_gets_the_online_version() -> None:
    assert resolve(_gray(10_000), None).package == OLD
    assert resolve(_gray(10_000), "").package == OLD


def test_halted_serves_nobody_the_new_version_testers_included() -> None:
    """Design §3 "halt: serves nobody the new version"; issue 5: nobody gets it until a
    person resumes or cancels."""
    halted = _gray(10_000, halted=True, testers=frozenset({"qa"}))
    assert all(resolve(halted, u).package == OLD for u in USERS[:500])
    assert resolve(halted, "qa") == resolve(halted, "anyone")
    assert resolve(halted, "qa").channel == Channel.ONLINE
    assert resolve(_gray(10_000, testers=frozenset({"qa"})), "qa").channel == Channel.PILOT


def test_pilot_only_testers() -> None:
    pilot = PairRollout(
        online=OLD, candidate=NEW, candidate_status="pilot", testers=frozenset({"t1"})
    )
    assert resolve(pilot, "t1") == resolve(pilot, "t1")
    assert resolve(pilot, "t1").channel == Channel.PILOT
    assert resolve(pilot, "someone").package == OLD


def test_first_pilot_with_nothing_online_and_removed() -> None:
    first = PairRollout(candidate=NEW, candidate_status="pilot", testers=frozenset({"t1"}))
    assert resolve(first, "t1").package == NEW
    with pytest.raises(NotReleased):
        resolve(first, "other")
    with pytest.raises(NotReleased):
        resolve(PairRollout(), "x")
    with pytest.raises(Removed):
        resolve(PairRollout(removed=True, online=OLD), "x")
