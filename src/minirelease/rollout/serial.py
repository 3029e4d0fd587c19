"""The rollout serial: one counter, in one row, that grows in the same transaction as every
change that can alter a launch answer or a manifest. Server processes poll it to know when
their in-memory rollout snapshot is stale (src/minirelease/rollout/cache.py).

How a change is noticed: ``after_flush`` (when ids and foreign keys are set, and each row's
history still tells what changed) notes in the session which (mini program, partner app)
pairs the flush touched through a column the snapshot reads (WATCHED) or an added or
deleted watched row (changes.py); ``before_commit`` bumps the counter once for the whole
transaction and records those pairs under the new serial, so every process can update
just them. Bumping last, right before COMMIT, means the counter's row is always the last
lock a transaction takes and is held only for the commit itself (and the one insert of
the change's row): writers serialize on it as briefly as possible and can never deadlock
through it.
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
from minirelease.rollout import changes
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

_CHANGED = "rollout_changed"  # session.info key: what this transaction touched (Touched)
_BUMPED = "rollout_bumped"  # session.info key: the counter was bumped by this transaction


class RolloutSerial(Base):
    __tablename__ = "rollout_serial"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    serial: Mapped[int] = mapped_column(BigInteger)


def current_serial(session: Session) -> int:
    value = session.scalar(select(RolloutSerial.serial).where(RolloutSerial.id == ROW_ID))
    return int(value or 0)


def bump(session: Session) -> int:
    """Add one to the counter, creating its row the first time (atomic on both databases);
    the new serial."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RolloutSerial).values(id=ROW_ID, serial=1)
    serial = session.execute(
        statement.on_conflict_do_update(
            index_elements=[RolloutSerial.id], set_={"serial": RolloutSerial.serial + 1}
        ).returning(RolloutSerial.serial)
    ).scalar_one()
    # Other processes' rollout caches wake when this commits (PostgreSQL; they poll too).
    notify(session, ROLLOUT_CHANNEL)
    return int(serial)


def mark_changed(session: Session) -> None:
    """For changes made without the ORM unit of work (raw SQL) that alter launches: which
    pairs they touched is unknown, so every process rebuilds its snapshot fully."""
    _touched(session).add(None)


def _touched(session: Session) -> changes.Touched:
    touched = session.info.get(_CHANGED)
    if touched is None:
        touched = session.info[_CHANGED] = changes.Touched()
    return touched


# The snapshot reads a release by its status only as a pilot or grayscale candidate (what
# is online comes from the listing), so only moves into or out of those count: a build or
# a compatibility run finishing costs no process a rebuild.
_CANDIDATE_STATUSES = frozenset({Status.PILOT.value, Status.GRAYSCALE.value})


def _is_watched_change(obj: object, *, dirty: bool) -> bool:
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


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # After the flush, before its bookkeeping: new rows have their ids and foreign keys,
    # and new, dirty, deleted and each attribute's history still describe the flush.
    flushed = [
        *((obj, False) for obj in session.new),
        *((obj, False) for obj in session.deleted),
        *((obj, True) for obj in session.dirty),
    ]
    for obj, dirty in flushed:
        if _is_watched_change(obj, dirty=dirty):
            _touched(session).add(changes.touched_pairs(obj, dirty=dirty))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    # Bulk UPDATE / DELETE statements on a watched model bypass the flush.
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ in WATCHED:
        _touched(state.session).add(None)  # which rows is unknown: a full rebuild


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT inside the transaction: bump once, at the real commit
    session.flush()  # what commit would flush next may hold the watched change
    touched = session.info.pop(_CHANGED, None)
    if touched is not None:
        changes.record(session, bump(session), touched)  # flushed by the commit
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
