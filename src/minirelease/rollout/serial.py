"""The rollout serial: one counter, in one row, that grows in the same transaction as every
change that can alter a launch answer or a manifest. Server processes poll it to know when
their in-memory rollout snapshot is stale (src/minirelease/rollout/cache.py).

How a change is noticed: ``before_flush`` marks the session when a flush touches a column
the snapshot reads (WATCHED) or adds or deletes a watched row; ``before_commit`` bumps the
counter once for the whole transaction. Bumping last, right before COMMIT, means the
counter's row is always the last lock a transaction takes and is held only for the commit
itself: writers serialize on it as briefly as possible and can never deadlock through it.
After the commit, this process's listeners are told, so its own changes are visible at once.

The row is created by the first bump (an upsert), so a fresh database needs no seed and
reads an absent row as serial 0."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Integer, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column
from sqlalchemy.orm.attributes import History

from minirelease.db import Base
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import Status
from minirelease.wakeups import ROLLOUT_CHANNEL, notify

logger = logging.getLogger(__name__)

ROW_ID = 1

# Per model, the attributes whose change can change what a launch or a manifest says.
# Adding or deleting a row of these models always counts. state.py reads only these.
WATCHED: dict[type[Any], frozenset[str]] = {
    Release: frozenset(
        {
            "mini_program_id",
            "partner_app_id",
            "version",
            "status",
            "basis_points",
            "halted",
            "build_sha256",
            "build_size",
            "build_signature",
            "build_key_id",
            "pilot_tester_ids",
        }
    ),
    Listing: frozenset(
        {"mini_program_id", "partner_app_id", "online_release_id", "removal_status"}
    ),
    MiniProgram: frozenset({"app_id"}),
    PartnerApp: frozenset({"code"}),
}

_CHANGED = "rollout_changed"  # session.info key: a watched change is in this transaction
_BUMPED = "rollout_bumped"  # session.info key: the counter was bumped by this transaction


class RolloutSerial(Base):
    __tablename__ = "rollout_serial"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    serial: Mapped[int] = mapped_column(BigInteger)


def current_serial(session: Session) -> int:
    value = session.scalar(select(RolloutSerial.serial).where(RolloutSerial.id == ROW_ID))
    return int(value or 0)


def bump(session: Session) -> None:
    """Add one to the counter, creating its row the first time (atomic on both databases)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RolloutSerial).values(id=ROW_ID, serial=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[RolloutSerial.id], set_={"serial": RolloutSerial.serial + 1}
        )
    )
    # Other processes' rollout caches wake when this commits (PostgreSQL; they poll too).
    notify(session, ROLLOUT_CHANNEL)


def mark_changed(session: Session) -> None:
    """For changes made without the ORM unit of work (raw SQL) that alter launches."""
    session.info[_CHANGED] = True


# The snapshot reads a release by its status only as a pilot or grayscale candidate (what
# is online comes from the listing), so only moves into or out of those count: a build or
# a compatibility run finishing costs no process a rebuild.
_CANDIDATE_STATUSES = frozenset({Status.PILOT.value, Status.GRAYSCALE.value})


def _watched_change(obj: object, *, dirty: bool) -> bool:
    watched = WATCHED.get(type(obj))
    if watched is None:
        return False
    if not dirty:
        return True
    attrs = inspect(obj).attrs
    return any(_changed(attrs[name].history, name) for name in watched)


def _changed(history: History, name: str) -> bool:
    if not history.has_changes():
        return False
    if name != "status":
        return True
    values = {str(value) for value in (*history.added, *history.deleted)}
    return bool(values & _CANDIDATE_STATUSES)


# Listeners told after a commit that bumped the counter: this process's caches.
_listeners: list[Callable[[], None]] = []


def add_commit_listener(listener: Callable[[], None]) -> None:
    _listeners.append(listener)


def remove_commit_listener(listener: Callable[[], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_CHANGED):
        return
    if (
        any(_watched_change(obj, dirty=False) for obj in session.new)
        or any(_watched_change(obj, dirty=False) for obj in session.deleted)
        or any(_watched_change(obj, dirty=True) for obj in session.dirty)
    ):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    # Bulk UPDATE / DELETE statements on a watched model bypass the flush.
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ in WATCHED:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT inside the transaction: bump once, at the real commit
    session.flush()  # what commit would flush next may hold the watched change
    if session.info.pop(_CHANGED, False):
        bump(session)
        session.info[_BUMPED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_BUMPED, False):
        return
    for listener in list(_listeners):
        try:
            listener()
        except Exception:
            # The commit stands; the cache's watcher will catch up on its next poll.
            logger.exception("rollout commit listener failed")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(_CHANGED, None)
        session.info.pop(_BUMPED, None)
