"""The README's "an optional `batch_id` makes a retry count once (for 24 hours)", on a
controlled clock: a retry up to 24 hours after the batch is a duplicate, one after them
is counted again, whether or not the periodic prune has run in between."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.jobs.periodic import run_tick
from minirelease.releases import ramp_tick
from minirelease.telemetry.models import TelemetryBatch, TelemetryCount
from minirelease.telemetry.service import Event, Outcome, record
from tests.factories import Factory
from tests.rollout.rows import Rows

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
SECOND = dt.timedelta(seconds=1)


class Sender:
    """A partner app sending the same batch (one `ok` event) at chosen moments."""

    def __init__(self, factory: Factory) -> None:
        rows = Rows.make(factory)
        mp = rows.program()
        self.sessions = factory.session_factory
        self.partner = factory.partner_app()
        release = rows.release(mp, self.partner, "1.0.0", "released")
        self.event = Event(mp.app_id, "1.0.0", release.id, Outcome.OK, 1)

    def send(self, now: dt.datetime) -> bool:
        """Send the batch at ``now``; True when it was counted, False for a duplicate."""
        with self.sessions() as session:
            accepted = record(session, self.partner, [self.event], now=now, batch_id="b-1")
            session.commit()
        return not accepted.duplicate

    def counted(self) -> int:
        with self.sessions() as session:
            return sum(row.count for row in session.scalars(select(TelemetryCount)))


@pytest.fixture
def sender(factory: Factory) -> Sender:
    return Sender(factory)


def test_a_batch_id_is_a_duplicate_for_24_hours_then_counts_again(sender: Sender) -> None:
    assert sender.send(T0)
    assert not sender.send(T0 + SECOND)
    assert not sender.send(T0 + DAY - SECOND)
    assert not sender.send(T0 + DAY)
    # No prune has run: the id is new again all the same, and remembered from then on.
    assert sender.send(T0 + DAY + SECOND)
    assert not sender.send(T0 + 2 * DAY)
    assert sender.send(T0 + 2 * DAY + 2 * SECOND)
    assert sender.counted() == 3


def test_the_periodic_tick_forgets_only_ids_older_than_24_hours(
    sender: Sender, session_factory: sessionmaker[Any]
) -> None:
    assert sender.send(T0)

    def remembered() -> bool:
        with session_factory() as session:
            return session.scalar(select(TelemetryBatch.batch_id)) is not None

    run_tick(session_factory, ramp_tick.tick, T0 + DAY - SECOND)
    assert remembered()
    run_tick(session_factory, ramp_tick.tick, T0 + DAY + SECOND)
    assert not remembered()
    assert sender.send(T0 + DAY + 2 * SECOND)
    assert sender.counted() == 2
