"""The shared vectors (../shared/vectors/bucketing.json), every case: the bucket, and the
decision the resolver takes at the threshold around it, by the SDK's bucket function, by
its compiled decision path, and by the server's re-export (the same objects)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from minirelease.resolver import bucketing as sdk
from minirelease.resolver.decide import AppRollout
from minirelease.rollout import bucketing as server

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "bucketing.json"


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    return cases


def test_the_vectors_are_there() -> None:
    cases = _cases()
    assert len(cases) >= 500
    assert {"release_id", "user_id", "bucket"} <= set(cases[0])


def test_every_vector_bucket() -> None:
    for case in _cases():
        assert sdk.bucket(case["release_id"], case["user_id"]) == case["bucket"], case


def test_every_vector_decision_at_its_threshold() -> None:
    """bucket < basis points is the rule: at basis points == bucket the user is out, one
    more and they are in, on the compiled path partner apps run."""
    for case in _cases():
        release_id, user_id, edge = case["release_id"], case["user_id"], case["bucket"]
        for points, inside in ((edge, False), (edge + 1, True), (0, False), (10_000, True)):
            rollout = AppRollout(
                online="online",
                candidate_release_id=release_id,
                pilot="pilot",
                grayscale="grayscale",
                state="grayscale",
                basis_points=points,
            )
            expected = "grayscale" if inside and user_id else "online"
            assert rollout.choose(user_id) == expected, (case, points)
            assert sdk.in_grayscale(release_id, user_id, points) is inside, (case, points)


def test_the_server_uses_the_one_implementation() -> None:
    for name in ("bucket", "in_grayscale", "basis_points", "percentage", "BUCKETS"):
        assert getattr(server, name) is getattr(sdk, name), name


def test_raising_the_percentage_only_adds_users() -> None:
    users = [f"u{n}" for n in range(5000)]
    previous: set[str] = set()
    for points in (1, 100, 500, 2000, 5000, 9999, 10_000):
        now = {u for u in users if sdk.in_grayscale("rel_x", u, points)}
        assert previous <= now
        previous = now
    assert previous == set(users)


@pytest.mark.parametrize(
    ("given", "points"), [("0.01", 1), ("5", 500), (37.5, 3750), ("99.99", 9999), (100, 10_000)]
)
def test_percentages_to_basis_points_and_back(given: str | float, points: int) -> None:
    assert sdk.basis_points(given) == points
    assert sdk.basis_points(sdk.percentage(points)) == points
