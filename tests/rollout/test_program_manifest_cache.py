"""Programs' manifests held per process (issue 15, item 3), on snapshots built in memory:
signed once per change of the program's entry, whatever other programs do; never answered
older than what is held; a weak ETag that two processes labelling one entry with two
serials agree on; at most ``limit`` held, the least recently requested dropped."""

from __future__ import annotations

import json
from dataclasses import replace
from types import MappingProxyType

from minirelease.rollout.program_manifest import program_manifests
from minirelease.rollout.resolve import Package, PairRollout
from minirelease.rollout.state import RolloutSnapshot
from tests.rollout.signers import CountingSigner

PATH = "/p/"
A, B, C = "2021000000000001", "2021000000000002", "2021000000000003"
HISTORY = object()


def _pair(basis_points: int) -> PairRollout:
    online = Package("rel_1", "1.0.0", "a" * 64, 10, "sig")
    candidate = Package("rel_2", "1.1.0", "b" * 64, 11, "sig")
    return PairRollout(
        online=online,
        candidate=candidate,
        candidate_status="grayscale",
        basis_points=basis_points,
    )


def _snapshot(serial: int, **points: int) -> RolloutSnapshot:
    """``wallet`` with each app id of ``points`` (A=…, B=…) at that many basis points."""
    ids = {"A": A, "B": B, "C": C}
    pairs = MappingProxyType({ids[name]: _pair(bp) for name, bp in points.items()})
    return RolloutSnapshot(
        serial=serial, partners=MappingProxyType({"wallet": pairs}), history=HISTORY
    )


def _serial(body: bytes) -> int:
    serial: int = json.loads(body)["manifest"]["serial"]
    return serial


def test_another_programs_changes_leave_it_alone_and_its_own_rebuild_it() -> None:
    cache, signer = program_manifests(), CountingSigner()
    first = cache.get(_snapshot(5, A=100, B=100), ("wallet", A), PATH, signer)
    assert first is not None and first.serial == 5 and signer.signed == 1
    for serial, b_points in ((6, 200), (7, 300), (8, 400)):
        snapshot = _snapshot(serial, A=100, B=b_points)
        assert cache.get(snapshot, ("wallet", A), PATH, signer) is first
    assert signer.signed == 1
    changed = cache.get(_snapshot(9, A=500, B=400), ("wallet", A), PATH, signer)
    assert changed is not None and changed.serial == 9 and changed.etag != first.etag
    # Back as it was: rebuilt at the serial of the moment, never the older bytes again.
    back = cache.get(_snapshot(10, A=100, B=400), ("wallet", A), PATH, signer)
    assert back is not None and back.serial == 10 and _serial(back.body) == 10
    assert back.etag == first.etag  # it says what the first said
    assert signer.signed == 3


def test_an_older_snapshot_is_answered_the_newer_held_one() -> None:
    cache, signer = program_manifests(), CountingSigner()
    newer = cache.get(_snapshot(9, A=500), ("wallet", A), PATH, signer)
    assert cache.get(_snapshot(8, A=100), ("wallet", A), PATH, signer) is newer
    assert signer.signed == 1


def test_a_delisted_program_or_unknown_partner_is_none_though_held() -> None:
    cache, signer = program_manifests(), CountingSigner()
    assert cache.get(_snapshot(5, A=100), ("wallet", A), PATH, signer) is not None
    assert cache.get(_snapshot(6, B=100), ("wallet", A), PATH, signer) is None
    assert cache.get(_snapshot(6, B=100), ("nobody", B), PATH, signer) is None


def test_two_processes_label_one_entry_with_two_serials_under_one_etag() -> None:
    one, other = program_manifests(), program_manifests()
    early = one.get(_snapshot(5, A=100), ("wallet", A), PATH, CountingSigner())
    late = other.get(_snapshot(9, A=100, B=1), ("wallet", A), PATH, CountingSigner())
    assert early is not None and late is not None
    assert (_serial(early.body), _serial(late.body)) == (5, 9)
    assert early.etag == late.etag and early.etag.startswith('W/"')
    rotated = other.get(_snapshot(9, A=100, B=1), ("wallet", A), PATH, CountingSigner("k2"))
    assert rotated is not None and rotated.etag != late.etag
    assert json.loads(rotated.body)["key_id"] == "k2"


def test_another_history_is_built_again() -> None:
    cache, signer = program_manifests(), CountingSigner()
    snapshot = _snapshot(5, A=100)
    cache.get(snapshot, ("wallet", A), PATH, signer)
    cache.get(replace(snapshot, history=object()), ("wallet", A), PATH, signer)
    assert signer.signed == 2


def test_at_most_limit_are_held_the_least_recently_requested_dropped() -> None:
    cache, signer = program_manifests(limit=2), CountingSigner()
    snapshot = _snapshot(5, A=100, B=100, C=100)
    for app_id in (A, B, A, C):  # A requested again after B: B is the one dropped
        cache.get(snapshot, ("wallet", app_id), PATH, signer)
    assert signer.signed == 3
    cache.get(snapshot, ("wallet", A), PATH, signer)
    cache.get(snapshot, ("wallet", C), PATH, signer)
    assert signer.signed == 3
    cache.get(snapshot, ("wallet", B), PATH, signer)
    assert signer.signed == 4
