"""The wrong-partner rule in ``telemetry.service.record`` (issue 13, item 7), not in the
route: a batch that says which partner app sent it must come with that app's key, and a
refused batch counts nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.db import utcnow
from minirelease.errors import PermissionDenied
from minirelease.partners.models import PartnerApp
from minirelease.telemetry import service
from minirelease.telemetry.models import TelemetryCount
from minirelease.telemetry.service import Event, Outcome
from tests.factories import Factory
from tests.releases.rows import ReleaseRows


@pytest.fixture
def sent(
    factory: Factory, session: Session, session_factory: sessionmaker[Any]
) -> tuple[PartnerApp, list[Event]]:
    """A partner app and one event of its release in grayscale."""
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    partner = factory.partner_app()
    release = ReleaseRows(session_factory).release(mp, partner, "1.0.0", "grayscale")
    loaded = session.get(PartnerApp, partner.id)
    assert loaded is not None
    return loaded, [Event(mp.app_id, "1.0.0", release.id, Outcome.CRASH, 3)]


def _counted(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(TelemetryCount.count), 0))) or 0)


def test_a_batch_that_names_another_partner_app_is_refused_and_counts_nothing(
    sent: tuple[PartnerApp, list[Event]], session: Session
) -> None:
    partner, events = sent
    with pytest.raises(PermissionDenied, match="not a key of partner app 'someone-else'"):
        service.record(session, partner, events, now=utcnow(), said_partner_app="someone-else")
    assert _counted(session) == 0


@pytest.mark.parametrize("said", ["own code", None])
def test_a_batch_that_names_its_own_partner_app_or_none_is_counted(
    sent: tuple[PartnerApp, list[Event]], session: Session, said: str | None
) -> None:
    partner, events = sent
    named = partner.code if said == "own code" else None
    accepted = service.record(session, partner, events, now=utcnow(), said_partner_app=named)
    assert (accepted.events, accepted.count, _counted(session)) == (1, 3, 3)
