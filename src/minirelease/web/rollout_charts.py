"""The release page's two charts: the grayscale percentage over time (from the release's
audit events) and launches by version (from partner apps' telemetry), as ``charts.Chart``s.
The release is the one the page loaded for its viewer: read permission is checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from minirelease.releases.facts import listing_for
from minirelease.releases.models import Release
from minirelease.releases.rollout_history import PercentageChange, changes_of
from minirelease.telemetry.launch_series import Bucket, LaunchSeries, launches_of
from minirelease.web import charts

# Launches are charted per hour over up to this long, per day beyond.
HOURLY_UP_TO = dt.timedelta(hours=72)
LONGEST = dt.timedelta(days=30)
# At least this much before the release's rollout, to compare with the online version.
LEAD = dt.timedelta(hours=24)

_WORDS = {
    "pilot": "Pilot",
    "complete_pilot": "Pilot completed",
    "grayscale": "Grayscale",
    "pause": "Pause",
    "resume": "Resume",
    "halt": "Halt",
    "full_release": "Full Release",
    "complete_at_deadline": "Completed at the grayscale deadline",
    "cancel": "Cancel",
    "archive": "Archived (a newer version was released)",
    "roll_back": "Rolled back",
}


def _label(change: PercentageChange) -> str:
    word = _WORDS.get(change.action, change.action)
    who = " (automatic)" if change.actor.startswith("system:") else ""
    return f"{word}{who}, from {change.before:g} %"


def _intervals(changes: Sequence[PercentageChange]) -> list[charts.Interval]:
    """When the grayscale was paused or halted, from the flags after each change."""
    found: list[charts.Interval] = []
    for flag, label in (("paused", "Paused"), ("halted", "Halted")):
        since: dt.datetime | None = None
        for change in changes:
            on = bool(getattr(change, flag))
            if on and since is None:
                since = change.at
            elif not on and since is not None:
                found.append(charts.Interval(since, change.at, label, f"band-{flag}"))
                since = None
        if since is not None:
            found.append(charts.Interval(since, None, label, f"band-{flag}"))
    return found


def percentage_chart(
    session: Session, release: Release, now: dt.datetime
) -> tuple[charts.Chart, list[PercentageChange]]:
    changes = changes_of(session, release_id=release.id)
    chart = charts.step_chart(
        id="grayscale-chart",
        title="Grayscale percentage over time",
        points=[charts.StepPoint(c.at, c.after, _label(c)) for c in changes],
        until=now,
        intervals=_intervals(changes),
        value_header="Percentage",
    )
    return chart, changes


def launch_window(
    release: Release, changes: Sequence[PercentageChange], now: dt.datetime
) -> tuple[dt.datetime, Bucket]:
    """From a day before the release reached users (or the last day) up to now, at most
    ``LONGEST``; per hour when that is short enough."""
    reached = release.grayscale_started_at or release.released_at
    if reached is None and changes:
        reached = changes[0].at
    since = min((reached or now) - dt.timedelta(hours=1), now - LEAD)
    since = max(since, now - LONGEST)
    return since, Bucket.HOUR if now - since <= HOURLY_UP_TO else Bucket.DAY


def _names(series: LaunchSeries, release: Release, online_id: str | None) -> list[str]:
    names = []
    for version in series.versions:
        tags = []
        if release.id in version.release_ids:
            tags.append("this release")
        if online_id is not None and online_id in version.release_ids:
            tags.append("online")
        names.append(f"{version.version} ({', '.join(tags)})" if tags else version.version)
    return names


@dataclass(frozen=True)
class VersionTotal:
    name: str
    launches: int
    failures: int  # js_error, crash and load_failure outcomes

    @property
    def failure_rate(self) -> float:
        return self.failures / self.launches if self.launches else 0.0


def launch_chart(
    session: Session,
    release: Release,
    changes: Sequence[PercentageChange],
    now: dt.datetime,
) -> tuple[charts.Chart, list[VersionTotal]]:
    since, bucket = launch_window(release, changes, now)
    series = launches_of(session, release=release, since=since, until=now, bucket=bucket)
    listing = listing_for(session, release)
    names = _names(series, release, listing.online_release_id if listing else None)
    chart = charts.bucket_chart(
        id="launch-chart",
        title=f"Launches by version, per {bucket.value}",
        starts=series.starts,
        bucket=dt.timedelta(minutes=bucket.minutes),
        series=[(name, v.counts) for name, v in zip(names, series.versions, strict=True)],
    )
    totals = [
        VersionTotal(name, v.total, v.failures)
        for name, v in zip(names, series.versions, strict=True)
    ]
    return chart, totals
