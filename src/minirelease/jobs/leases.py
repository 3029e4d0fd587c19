"""Leases that make periodic work run once per interval however many processes run it.

One row per piece of periodic work (``periodic_leases``) says when it is next due. A
process that wants to run the work takes the row in the same transaction as the work
itself: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (a row locked by a process
running the work right now is skipped, not waited for), and SQLite's ``BEGIN IMMEDIATE``
(db.py) serializes the whole transaction there. The work runs only when the row is due,
and moves it one interval on; when the work fails the transaction rolls back with the
move, and the next process to look runs it again.

The due time is compared with each process's own clock, read once the row is locked: on
one machine runs are never closer than the interval; machines whose clocks disagree run
it early by as much as they disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from minirelease.db import Base


class PeriodicLease(Base):
    __tablename__ = "periodic_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    # Not run again before this instant (by any process).
    next_due_at: Mapped[dt.datetime]
    last_run_at: Mapped[dt.datetime | None]
    # The process that ran it last ("node/pid"), for people reading the table.
    last_run_by: Mapped[str | None] = mapped_column(String(200))


def ensure(session: Session, name: str, now: dt.datetime) -> None:
    """Create the lease's row, due at once, unless it exists (atomic on both databases)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(PeriodicLease)
        .values(name=name, next_due_at=now)
        .on_conflict_do_nothing(index_elements=[PeriodicLease.name])
    )


def take(
    session: Session,
    name: str,
    *,
    clock: Callable[[], dt.datetime],
    interval: dt.timedelta,
    holder: str,
) -> dt.datetime | None:
    """The instant this transaction runs the work at, with the lease's row locked for it and
    moved to its next due time; None when it is not due or another process holds it. The
    clock is read once the row is locked, so runs are never closer than ``interval``."""
    lease = session.scalars(
        select(PeriodicLease).where(PeriodicLease.name == name).with_for_update(skip_locked=True)
    ).first()
    if lease is None:
        return None
    now = clock()
    # A due time more than two intervals away was set under a longer interval (the setting
    # was lowered, or another process has a longer one): the shorter one wins. Two, not
    # one, so that clocks of different machines may differ by up to an interval.
    if now < lease.next_due_at <= now + 2 * interval:
        return None
    lease.next_due_at = now + interval
    lease.last_run_at = now
    lease.last_run_by = holder
    return now
