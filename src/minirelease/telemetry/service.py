"""Taking launch outcomes from a partner app, and reading them back per release.

A batch is checked whole before anything is counted: every event must name a release of
the sending partner app, with that release's mini program app id and version. Counts are
summed per (release, outcome) in memory, then added to the minute's counters with one
upsert (INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count, on SQLite and
PostgreSQL alike), so concurrent batches never lose a count; the rows are written in key
order, so two batches touching the same counters cannot deadlock.

Counters are measurements, not changes anyone made: they are not audited."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from minirelease.errors import PermissionDenied, ValidationFailed
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.telemetry.models import TelemetryBatch, TelemetryCount

MAX_EVENTS = 1000
MAX_COUNT = 1_000_000
# A retried batch is recognised for this long; after that its id may be reused.
BATCH_MEMORY = dt.timedelta(hours=24)


class Outcome(StrEnum):
    OK = "ok"
    JS_ERROR = "js_error"
    CRASH = "crash"
    LOAD_FAILURE = "load_failure"


FAILURES = frozenset({Outcome.JS_ERROR, Outcome.CRASH, Outcome.LOAD_FAILURE})


@dataclass(frozen=True)
class Event:
    app_id: str
    version: str
    release_id: str
    outcome: Outcome
    count: int


@dataclass(frozen=True)
class Accepted:
    events: int
    count: int
    duplicate: bool = False  # the batch id was counted before: nothing counted now


def minute_of(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


def _check(session: Session, partner: PartnerApp, events: Sequence[Event]) -> None:
    """Every event names a release of ``partner`` with its app id and version, or one
    ``ValidationFailed`` listing each bad event by index."""
    ids = {event.release_id for event in events}
    known = {
        row.id: row
        for row in session.execute(
            select(Release.id, Release.partner_app_id, Release.version, MiniProgram.app_id)
            .join(MiniProgram, MiniProgram.id == Release.mini_program_id)
            .where(Release.id.in_(ids))
        )
    }
    errors: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        row = known.get(event.release_id)
        if row is None or row.partner_app_id != partner.id:
            where, msg = "release_id", f"no release {event.release_id!r} on {partner.code}"
        elif row.app_id != event.app_id:
            where, msg = "app_id", f"release {row.id} is not of mini program {event.app_id!r}"
        elif row.version != event.version:
            where, msg = "version", f"release {row.id} is version {row.version}"
        else:
            continue
        errors.append({"loc": ["body", "events", str(index), where], "msg": msg})
    if errors:
        first = errors[0]
        raise ValidationFailed(
            f"events.{first['loc'][2]}.{first['loc'][3]}: {first['msg']}", errors=errors
        )


def _remember_batch(
    session: Session, partner: PartnerApp, batch_id: str, accepted: Accepted, now: dt.datetime
) -> Accepted | None:
    """Record the batch id; None when it is new, else what it counted the first time. An id
    last counted more than ``BATCH_MEMORY`` ago is new again, pruned or not yet (one atomic
    upsert takes its row over). On PostgreSQL a concurrent twin waits here for the first
    one's commit, then sees it."""
    values = {
        "partner_app_id": partner.id,
        "batch_id": batch_id,
        "events": accepted.events,
        "count": accepted.count,
        "received_at": now,
    }
    upsert = _insert(session, TelemetryBatch).values(values)
    inserted = session.scalar(
        upsert.on_conflict_do_update(
            index_elements=["partner_app_id", "batch_id"],
            set_={name: upsert.excluded[name] for name in ("events", "count", "received_at")},
            where=TelemetryBatch.received_at < now - BATCH_MEMORY,
        ).returning(TelemetryBatch.batch_id)
    )
    if inserted is not None:
        return None
    first = session.get(TelemetryBatch, (partner.id, batch_id), populate_existing=True)
    assert first is not None
    return Accepted(events=first.events, count=first.count, duplicate=True)


def _insert(session: Session, table: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def record(
    session: Session,
    partner: PartnerApp,
    events: Sequence[Event],
    *,
    now: dt.datetime,
    batch_id: str | None = None,
    said_partner_app: str | None = None,
) -> Accepted:
    """Count a batch of launch outcomes in the minute of ``now``. A batch that says which
    partner app sent it (``said_partner_app``) must be sent with that app's key."""
    if said_partner_app is not None and said_partner_app != partner.code:
        raise PermissionDenied(f"this key is not a key of partner app {said_partner_app!r}")
    if not 1 <= len(events) <= MAX_EVENTS:
        raise ValidationFailed(f"events: 1 to {MAX_EVENTS} per batch, got {len(events)}")
    _check(session, partner, events)
    sums: Counter[tuple[str, str]] = Counter()
    for event in events:
        sums[(event.release_id, event.outcome.value)] += event.count
    accepted = Accepted(events=len(events), count=sum(sums.values()))
    if batch_id is not None:
        earlier = _remember_batch(session, partner, batch_id, accepted, now)
        if earlier is not None:
            return earlier
    minute = minute_of(now)
    rows = [
        {"release_id": release_id, "outcome": outcome, "minute": minute, "count": count}
        for (release_id, outcome), count in sorted(sums.items())
    ]
    upsert = _insert(session, TelemetryCount).values(rows)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["release_id", "outcome", "minute"],
            set_={"count": TelemetryCount.count + upsert.excluded.count},
        )
    )
    return accepted


def outcome_totals(
    session: Session, release_id: str, since: dt.datetime, until: dt.datetime
) -> dict[str, int]:
    """Outcomes counted for a release from the minute of ``since`` to that of ``until``."""
    rows = session.execute(
        select(TelemetryCount.outcome, func.sum(TelemetryCount.count))
        .where(
            TelemetryCount.release_id == release_id,
            TelemetryCount.minute >= minute_of(since),
            TelemetryCount.minute <= minute_of(until),
        )
        .group_by(TelemetryCount.outcome)
    )
    return {outcome: int(total) for outcome, total in rows}


def forget_old_batches(session: Session, now: dt.datetime) -> int:
    """Drop batch ids older than ``BATCH_MEMORY``; returns how many."""
    result = session.execute(
        delete(TelemetryBatch).where(TelemetryBatch.received_at < now - BATCH_MEMORY)
    )
    return int(getattr(result, "rowcount", 0) or 0)
