"""Changes without full rebuilds (issue 13, item 5): after every change the rollout cache
updates only the pairs it touched, and the result is exactly what a full rebuild reads.
Random sequences of rollout changes, with a fixed seed, on both databases."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.rollout.cache import RolloutCache
from minirelease.rollout.serial import current_serial
from minirelease.rollout.state import RolloutSnapshot, load_snapshot
from tests.factories import Factory
from tests.rollout.rows import Rows


@dataclass
class World:
    """The rows the random changes act on, and a counter for fresh versions."""

    rows: Rows
    sessions: sessionmaker[Any]
    random: random.Random
    partners: list[PartnerApp]
    programs: list[MiniProgram] = field(default_factory=list)
    versions: int = 0

    def pick(self) -> tuple[MiniProgram, PartnerApp]:
        return self.random.choice(self.programs), self.random.choice(self.partners)

    def candidate(self, mp: MiniProgram, partner: PartnerApp) -> Release | None:
        with self.sessions() as session:
            found: Release | None = session.scalars(
                select(Release).where(
                    Release.mini_program_id == mp.id,
                    Release.partner_app_id == partner.id,
                    Release.status.in_(["pilot", "grayscale"]),
                )
            ).one_or_none()
            return found

    def listing(self, mp: MiniProgram, partner: PartnerApp) -> Listing | None:
        with self.sessions() as session:
            listing: Listing | None = session.scalars(
                select(Listing).where(
                    Listing.mini_program_id == mp.id, Listing.partner_app_id == partner.id
                )
            ).one_or_none()
            return listing

    def change(self, model: type[Any], id_: str, **values: Any) -> None:
        with self.sessions() as session:
            row = session.get(model, id_)
            for name, value in values.items():
                setattr(row, name, value)
            session.commit()

    def next_version(self) -> str:
        self.versions += 1
        return f"1.{self.versions}.0"


def start_candidate(world: World) -> None:
    mp, partner = world.pick()
    if world.candidate(mp, partner) is None:
        pilot = world.random.random() < 0.3
        world.rows.release(
            mp,
            partner,
            world.next_version(),
            "pilot" if pilot else "grayscale",
            basis_points=world.random.randint(1, 9999),
            testers=("tester-1", "tester-2") if pilot else (),
        )


def raise_or_pause(world: World) -> None:
    candidate = world.candidate(*world.pick())
    if candidate is not None:
        values = {"basis_points": world.random.randint(1, 10_000)}
        if world.random.random() < 0.4:
            values = {"halted": not candidate.halted}
        world.change(Release, candidate.id, **values)


def release_fully(world: World) -> None:
    mp, partner = world.pick()
    candidate = world.candidate(mp, partner)
    if candidate is None:
        return
    with world.sessions() as session:
        session.get(Release, candidate.id).status = "released"
        listing = world.listing(mp, partner)
        if listing is None:
            session.add(
                Listing(
                    id=f"lst-{candidate.id}",
                    mini_program_id=mp.id,
                    partner_app_id=partner.id,
                    online_release_id=candidate.id,
                )
            )
        else:
            session.get(Listing, listing.id).online_release_id = candidate.id
        session.commit()


def roll_back_or_cancel(world: World) -> None:
    mp, partner = world.pick()
    candidate, listing = world.candidate(mp, partner), world.listing(mp, partner)
    if candidate is not None and world.random.random() < 0.5:
        world.change(Release, candidate.id, status="canceled")
    elif listing is not None:
        world.change(Listing, listing.id, online_release_id=None)


def list_remove_or_unlist(world: World) -> None:
    mp, partner = world.pick()
    listing = world.listing(mp, partner)
    if listing is None:
        world.rows.listing(mp, partner)
    elif world.random.random() < 0.3:
        with world.sessions() as session:
            session.delete(session.get(Listing, listing.id))
            session.commit()
    else:
        removed = "none" if listing.removal_status == "removed" else "removed"
        world.change(Listing, listing.id, removal_status=removed)


def rename_or_add_program(world: World) -> None:
    if world.random.random() < 0.5:
        world.programs.append(world.rows.program())
    else:
        mp = world.random.choice(world.programs)
        world.change(MiniProgram, mp.id, app_id=f"renamed-{world.random.randrange(10**9)}")


# Weighted like real traffic: mostly raises and pauses.
OPERATIONS: list[Callable[[World], None]] = [
    *[raise_or_pause] * 4,
    *[start_candidate] * 3,
    release_fully,
    roll_back_or_cancel,
    list_remove_or_unlist,
    list_remove_or_unlist,
    rename_or_add_program,
]


@pytest.fixture
def world(factory: Factory, session_factory: sessionmaker[Any]) -> World:
    rows = Rows.make(factory)
    partners = [factory.partner_app(), factory.partner_app()]
    world = World(rows, session_factory, random.Random(1305), partners)
    world.programs.extend(rows.program() for _ in range(6))
    return world


@pytest.fixture
def cache(session_factory: sessionmaker[Any]) -> Iterator[RolloutCache]:
    rollout = RolloutCache(lambda: session_factory, poll_seconds=3600)
    rollout.start()  # the commits below reach it through the local commit listener
    yield rollout
    rollout.stop()


def _rebuilt(sessions: sessionmaker[Any]) -> RolloutSnapshot:
    with sessions() as session:
        return load_snapshot(session, current_serial(session))


def _assert_same(cache: RolloutCache, sessions: sessionmaker[Any]) -> None:
    updated, rebuilt = cache.snapshot, _rebuilt(sessions)
    assert updated.serial == rebuilt.serial
    assert updated.partners == rebuilt.partners
    assert updated.partner_codes == rebuilt.partner_codes
    assert updated.app_ids == rebuilt.app_ids


def test_updates_equal_a_full_rebuild_after_random_changes(
    world: World, cache: RolloutCache, session_factory: sessionmaker[Any]
) -> None:
    for _ in range(300):
        world.random.choice(OPERATIONS)(world)
        _assert_same(cache, session_factory)
    assert cache.full_rebuilds == 1  # the start: every change after it was an update
    assert cache.updates > 150


def test_a_partner_app_change_rebuilds_fully(
    world: World, cache: RolloutCache, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    start_candidate(world)
    assert (cache.full_rebuilds, cache.updates) == (1, 1)
    factory.partner_app()
    assert cache.full_rebuilds == 2
    world.change(PartnerApp, world.partners[0].id, code="renamed")
    assert cache.full_rebuilds == 3
    _assert_same(cache, session_factory)
    assert "renamed" in cache.snapshot.partners


def test_an_update_shares_what_did_not_change(world: World, cache: RolloutCache) -> None:
    first, partner = world.partners
    mp = world.programs[0]
    for other in world.programs:
        world.rows.listing(other, first)
        if other is not mp:
            world.rows.listing(other, partner)
    before = cache.snapshot
    world.rows.listing(mp, partner)
    after = cache.snapshot
    assert before.partners[partner.code] is not after.partners[partner.code]
    assert before.partners[first.code] is after.partners[first.code]
    assert len(after.partners[partner.code]) == len(world.programs)
    untouched = [app_id for app_id in before.partners[partner.code] if app_id != mp.app_id]
    for app_id in untouched:
        assert after.partners[partner.code][app_id] is before.partners[partner.code][app_id]
    assert mp.app_id not in before.partners[partner.code]
    assert mp.app_id in after.partners[partner.code]
