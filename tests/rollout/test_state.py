"""The rollout snapshot (issue 5, item 1): every listed pair of every partner app read in a
fixed number of set-based queries, into an immutable value that answers exactly as the
per-pair reader it replaces on the launch path."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from minirelease.rollout.resolve import Package, PairRollout
from minirelease.rollout.snapshot import pair_rollout
from minirelease.rollout.state import load_snapshot
from tests.factories import Factory
from tests.rollout.rows import Rows


def _package(release: Any) -> Package:
    return Package(
        release_id=release.id,
        version=release.version,
        sha256=release.build_sha256,
        size=release.build_size,
        signature=release.build_signature,
    )


def test_every_listed_pair_of_every_partner_app(session: Session, factory: Factory) -> None:
    rows = Rows.make(factory)
    wallet, bank, empty = factory.partner_app(), factory.partner_app(), factory.partner_app()
    piloted, ramping, removed, building, unlisted = (rows.program() for _ in range(5))

    archived = rows.release(piloted, wallet, "0.9.0", "archived")
    online = rows.release(piloted, wallet, "1.0.0", "released")
    pilot = rows.release(piloted, wallet, "1.1.0", "pilot", testers=("qa", "张三"))
    rows.listing(piloted, wallet, online)

    bank_online = rows.release(ramping, bank, "2.0.0", "released")
    halted = rows.release(ramping, bank, "2.1.0", "grayscale", basis_points=2500, halted=True)
    rows.listing(ramping, bank, bank_online)
    wallet_online = rows.release(ramping, wallet, "2.0.0", "released")
    live = rows.release(ramping, wallet, "2.1.0", "grayscale", basis_points=10_000)
    rows.listing(ramping, wallet, wallet_online)

    gone = rows.release(removed, wallet, "1.0.0", "released")
    rows.listing(removed, wallet, gone, removed=True)
    rows.release(building, wallet, "1.0.0", "building", built=False)
    rows.listing(building, wallet)
    rows.release(unlisted, wallet, "1.0.0", "tested")

    snapshot = load_snapshot(session, serial=42)

    assert snapshot.serial == 42
    assert snapshot.partners[empty.code] == {}
    assert set(snapshot.partners[wallet.code]) == {
        piloted.app_id,
        ramping.app_id,
        removed.app_id,
        building.app_id,
    }
    assert set(snapshot.partners[bank.code]) == {ramping.app_id}
    assert snapshot.pair_count == 5
    assert snapshot.pair(wallet.code, piloted.app_id) == PairRollout(
        online=_package(online),
        candidate=_package(pilot),
        candidate_status="pilot",
        testers=frozenset({"qa", "张三"}),
    )
    assert snapshot.pair(bank.code, ramping.app_id) == PairRollout(
        online=_package(bank_online),
        candidate=_package(halted),
        candidate_status="grayscale",
        basis_points=2500,
        halted=True,
    )
    assert snapshot.pair(wallet.code, ramping.app_id) == PairRollout(
        online=_package(wallet_online),
        candidate=_package(live),
        candidate_status="grayscale",
        basis_points=10_000,
    )
    assert snapshot.pair(wallet.code, removed.app_id) == PairRollout(removed=True)
    assert snapshot.pair(wallet.code, building.app_id) == PairRollout()
    assert _package(archived) not in {
        pair.online for pairs in snapshot.partners.values() for pair in pairs.values()
    }
    for partner, app_id in (
        (wallet.code, unlisted.app_id),
        (empty.code, piloted.app_id),
        ("no-such-partner", piloted.app_id),
        (wallet.code, "9999999999999999"),
    ):
        assert snapshot.pair(partner, app_id) is None

    # The same answers as the per-pair reader the launch endpoint used before.
    for code, pairs in snapshot.partners.items():
        for app_id, pair in pairs.items():
            before = pair_rollout(session, code, app_id)
            assert before is not None
            if before.removed:
                assert pair.removed
            else:
                assert pair == before, (code, app_id)


def _count_statements(connection: Connection) -> list[str]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    return statements


@pytest.mark.parametrize("programs", [1, 30])
def test_the_number_of_queries_does_not_grow_with_the_pairs(
    programs: int, session: Session, factory: Factory, connection: Connection
) -> None:
    rows = Rows.make(factory)
    partners = [factory.partner_app() for _ in range(3)]
    for _ in range(programs):
        mp = rows.program()
        for partner in partners:
            online = rows.release(mp, partner, "1.0.0", "released")
            rows.release(mp, partner, "1.1.0", "grayscale", basis_points=100, testers=("qa",))
            rows.listing(mp, partner, online)
    statements = _count_statements(connection)
    snapshot = load_snapshot(session, serial=1)
    assert snapshot.pair_count == 3 * programs
    assert len(statements) == 4, statements


def test_a_snapshot_cannot_be_changed(session: Session, factory: Factory) -> None:
    rows = Rows.make(factory)
    partner, mp = factory.partner_app(), rows.program()
    rows.listing(mp, partner, rows.release(mp, partner, "1.0.0", "released"))
    snapshot = load_snapshot(session, serial=1)
    pairs: Any = snapshot.partners
    with pytest.raises(TypeError):
        pairs["other"] = {}
    with pytest.raises(TypeError):
        pairs[partner.code][mp.app_id] = PairRollout(removed=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.serial = 2  # type: ignore[misc]
