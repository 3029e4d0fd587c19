from __future__ import annotations

import json
from pathlib import Path

import pytest

from minirelease.rollout.bucketing import basis_points, bucket, in_grayscale

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "bucketing.json"


def _cases() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    return cases


def test_reproduces_every_shared_vector() -> None:
    cases = _cases()
    assert len(cases) > 10
    for case in cases:
        assert bucket(str(case["release_id"]), str(case["user_id"])) == case["bucket"], case


def test_raising_the_percentage_only_adds_users() -> None:
    users = [f"u{n}" for n in range(5000)]
    previous: set[str] = set()
    for points in (100, 500, 2000, 5000, 10000):
        now = {u for u in users if in_grayscale("rel_x", u, points)}
        assert previous <= now
        previous = now
    assert previous == set(users)


def test_share_follows_the_ratio() -> None:
    users = [f"user-{n}" for n in range(20000)]
    share = sum(in_grayscale("rel_share", u, 1000) for u in users) / len(users)
    assert abs(share - 0.10) < 0.01


@pytest.mark.parametrize(
    ("given", "points"),
    [("0.01", 1), ("1", 100), (1, 100), ("12.34", 1234), (50.5, 5050), ("100", 10000)],
)
def test_basis_points(given: str | int | float, points: int) -> None:
    assert basis_points(given) == points


@pytest.mark.parametrize("given", ["0", "0.001", "100.01", "-1", "abc", "NaN", "Infinity", "1.005"])
def test_basis_points_refuses(given: str) -> None:
    with pytest.raises(ValueError, match="percentage"):
        basis_points(given)
