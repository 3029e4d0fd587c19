"""Launches by version over time (telemetry/launch_series.py): the counts of every release
of a pair summed per version and per hour or day, for whoever may read the release."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.errors import NotFound, ValidationFailed
from minirelease.partners.models import PartnerApp
from minirelease.telemetry import launch_series
from minirelease.telemetry import service as telemetry
from minirelease.telemetry.launch_series import Bucket, LaunchSeries, VersionLaunches
from tests.factories import Actor, Factory
from tests.releases.flow import Scenario, grayscale, released, scenario

T = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
OK, CRASH = telemetry.Outcome.OK, telemetry.Outcome.CRASH


def _series(
    factory: Factory,
    actor: Actor,
    release_id: str,
    since: dt.datetime,
    until: dt.datetime,
    bucket: Bucket = Bucket.HOUR,
) -> LaunchSeries:
    with factory.session_factory() as session:
        user = session.get(User, actor.id)
        assert user is not None
        return launch_series.launches_by_version(
            session,
            principal_for(session, user),
            release_id=release_id,
            since=since,
            until=until,
            bucket=bucket,
        )


def _report(
    factory: Factory, s: Scenario, at: dt.datetime, *events: tuple[str, str, telemetry.Outcome, int]
) -> None:
    with factory.session_factory() as session:
        partner = session.scalar(select(PartnerApp).where(PartnerApp.code == s.partner))
        assert partner is not None
        batch = [telemetry.Event(s.app_id, v, rid, outcome, n) for rid, v, outcome, n in events]
        telemetry.record(session, partner, batch, now=at)
        session.commit()


def test_launches_per_version_per_hour_and_day(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    gray = grayscale(s, "1.1.0", 10)
    _report(factory, s, T + 5 * MINUTE, (online, "1.0.0", OK, 90), (gray, "1.1.0", OK, 9))
    _report(factory, s, T + 6 * MINUTE, (gray, "1.1.0", CRASH, 1))
    _report(factory, s, T + 125 * MINUTE, (online, "1.0.0", OK, 40))
    _report(factory, s, T + dt.timedelta(days=1), (online, "1.0.0", OK, 7))
    _report(factory, s, T - dt.timedelta(days=3), (online, "1.0.0", OK, 1000))  # outside

    hourly = _series(factory, s.developer, gray, T + 30 * MINUTE, T + 150 * MINUTE)
    assert hourly.bucket == Bucket.HOUR
    assert hourly.starts == (T, T + 60 * MINUTE, T + 120 * MINUTE)  # whole hours
    by_version = {v.version: v for v in hourly.versions}
    assert by_version["1.0.0"].counts == (90, 0, 40)
    assert by_version["1.0.0"].release_ids == (online,)
    assert by_version["1.1.0"].counts == (10, 0, 0)
    assert by_version["1.1.0"].failures == 1
    assert [v.version for v in hourly.versions] == ["1.0.0", "1.1.0"]  # most launches first

    daily = _series(factory, s.developer, gray, T, T + dt.timedelta(days=1), Bucket.DAY)
    assert daily.starts == (T.replace(hour=0), T.replace(hour=0) + dt.timedelta(days=1))
    assert {v.version: v.counts for v in daily.versions} == {"1.0.0": (130, 7), "1.1.0": (10, 0)}

    quiet = _series(factory, s.developer, gray, T + dt.timedelta(days=5), T + dt.timedelta(days=5))
    assert quiet.empty and len(quiet.starts) == 1

    # Reviewers may read the release and so its launches; others do not see it.
    assert not _series(factory, s.partner_reviewer, gray, T, T + 150 * MINUTE).empty
    with pytest.raises(NotFound):
        _series(factory, factory.user(), gray, T, T + MINUTE)
    with pytest.raises(ValidationFailed):
        _series(factory, s.developer, gray, T, T + dt.timedelta(days=40))
    with pytest.raises(ValidationFailed):
        _series(factory, s.developer, gray, T + MINUTE * 120, T)


def test_past_six_versions_the_quietest_are_summed_as_one() -> None:
    versions = [
        VersionLaunches(f"1.{n}.0", (f"rel_{n}",), (n, 1), failures=n % 2) for n in range(8)
    ]
    kept = launch_series._collapse(versions)
    assert [v.version for v in kept] == [
        "1.7.0",
        "1.6.0",
        "1.5.0",
        "1.4.0",
        "1.3.0",
        "other versions",
    ]
    other = kept[-1]
    assert other.counts == (0 + 1 + 2, 3) and other.failures == 1
    assert other.release_ids == ("rel_2", "rel_1", "rel_0")
