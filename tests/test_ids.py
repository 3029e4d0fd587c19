from __future__ import annotations

from minirelease.ids import new_id


def test_ids_are_prefixed_and_strictly_increasing() -> None:
    ids = [new_id("x") for _ in range(10_000)]
    assert all(i.startswith("x_") and len(i) == 28 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
