"""Launches by version over time, for a release page: the launch outcomes partner apps
report (telemetry/service.py counts them per release, outcome and minute), summed per
version of the release's mini program on its partner app and per hour or day (UTC)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minirelease.authz import Principal
from minirelease.errors import ValidationFailed
from minirelease.releases.access import load_release
from minirelease.releases.models import Release
from minirelease.telemetry.models import TelemetryCount
from minirelease.telemetry.service import FAILURES, minute_of

MAX_BUCKETS = 24 * 31
# The versions with the most launches are kept apart; the rest are summed as one.
MAX_VERSIONS = 6
OTHER = "other versions"


class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def minutes(self) -> int:
        return 60 if self is Bucket.HOUR else 24 * 60


@dataclass(frozen=True)
class VersionLaunches:
    version: str
    release_ids: tuple[str, ...]
    counts: tuple[int, ...]  # launches per bucket, aligned with ``LaunchSeries.starts``
    failures: int  # js_error + crash + load_failure over the whole window

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class LaunchSeries:
    bucket: Bucket
    starts: tuple[dt.datetime, ...]  # each bucket's start (UTC), oldest first
    versions: tuple[VersionLaunches, ...]  # most launches first; ``OTHER`` last if any

    @property
    def empty(self) -> bool:
        return not any(v.total for v in self.versions)


def _first_bucket(since: dt.datetime, bucket: Bucket) -> int:
    return minute_of(since) // bucket.minutes


def _collapse(versions: list[VersionLaunches]) -> list[VersionLaunches]:
    versions.sort(key=lambda v: (-v.total, v.version))
    if len(versions) <= MAX_VERSIONS:
        return versions
    kept, rest = versions[: MAX_VERSIONS - 1], versions[MAX_VERSIONS - 1 :]
    other = VersionLaunches(
        version=OTHER,
        release_ids=tuple(r for v in rest for r in v.release_ids),
        counts=tuple(map(sum, zip(*(v.counts for v in rest), strict=True))),
        failures=sum(v.failures for v in rest),
    )
    return [*kept, other]


def launches_by_version(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    since: dt.datetime,
    until: dt.datetime,
    bucket: Bucket = Bucket.HOUR,
) -> LaunchSeries:
    """Launches of every version of the release's pair (mini program, partner app),
    from the bucket holding ``since`` to the one holding ``until``; buckets without
    launches count 0. For whoever may read the release."""
    release, _, _ = load_release(session, principal, release_id)
    return launches_of(session, release=release, since=since, until=until, bucket=bucket)


def launches_of(
    session: Session,
    *,
    release: Release,
    since: dt.datetime,
    until: dt.datetime,
    bucket: Bucket = Bucket.HOUR,
) -> LaunchSeries:
    """``launches_by_version`` for a caller that has already checked that the release may
    be read (a page that loaded it for its viewer)."""
    first, last = _first_bucket(since, bucket), _first_bucket(until, bucket)
    if not 0 <= last - first < MAX_BUCKETS:
        raise ValidationFailed(f"a launch chart spans 1 to {MAX_BUCKETS} {bucket.value}s")
    slot = (TelemetryCount.minute // bucket.minutes).label("slot")
    rows = session.execute(
        select(
            Release.id,
            Release.version,
            TelemetryCount.outcome,
            slot,
            func.sum(TelemetryCount.count),
        )
        .join(Release, Release.id == TelemetryCount.release_id)
        .where(
            Release.mini_program_id == release.mini_program_id,
            Release.partner_app_id == release.partner_app_id,
            TelemetryCount.minute >= first * bucket.minutes,
            TelemetryCount.minute < (last + 1) * bucket.minutes,
        )
        .group_by(Release.id, Release.version, TelemetryCount.outcome, slot)
    )
    size = last - first + 1
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * size)
    failures: dict[str, int] = defaultdict(int)
    releases: dict[str, set[str]] = defaultdict(set)
    for rid, version, outcome, at, total in rows:
        counts[version][int(at) - first] += int(total)
        releases[version].add(rid)
        if outcome in FAILURES:
            failures[version] += int(total)
    step = dt.timedelta(minutes=bucket.minutes)
    epoch = dt.datetime.fromtimestamp(first * bucket.minutes * 60, dt.UTC)
    versions = [
        VersionLaunches(version, tuple(sorted(releases[version])), tuple(c), failures[version])
        for version, c in counts.items()
    ]
    return LaunchSeries(
        bucket=bucket,
        starts=tuple(epoch + i * step for i in range(size)),
        versions=tuple(_collapse(versions)),
    )
