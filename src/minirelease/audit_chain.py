"""The audit log's hash chain: one global chain, each event carrying the hash of the one
before it, so changing, deleting or reordering a row with SQL is detected by ``verify``.

An event's ``hash`` is sha256 over a canonical JSON of its fields and ``prev_hash``
(``canonical``: sorted keys, no spaces, UTC ISO timestamps; this form is a contract, the
0006 migration chained the older rows with it). ``seq`` numbers the chain without gaps
from 1; it is not hashed, the ``prev_hash`` links fix the order, so a swapped or renumbered
row shows as a broken link rather than as changed content.

Events are linked when their transaction commits (a ``before_commit`` hook), not when
``audit.record`` is called: the transaction's own writes are flushed first, then the one
chain head row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock already
serializes writers), the events get the next numbers and the head moves on. The head is
thus among the last locks a transaction takes (just before the rollout serial's row, in
every process) and is held only for its commit: the chain cannot fork, and no deadlock
can involve it. Between that flush and the commit an event row has no ``seq`` yet; no
other transaction sees it then."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from minirelease.db import Base, to_json

if TYPE_CHECKING:
    from minirelease.audit import AuditEvent

GENESIS = "0" * 64
HEAD_ID = 1
# Fields hashed, in the canonical JSON; ``seq`` and ``hash`` itself are not.
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "workspace_id",
    "mini_program_id",
    "release_id",
    "partner_app",
    "before",
    "after",
)
_UNLINKED = "minirelease.audit.unlinked"


class AuditChainHead(Base):
    """The chain's last link: one row, locked by every transaction that adds events."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def canonical(fields: Mapping[str, Any], prev_hash: str) -> bytes:
    """The bytes hashed for an event: its fields as the database gives them back (JSON
    values through a JSON round trip, the timestamp in UTC) and the previous hash."""
    body: dict[str, Any] = {name: fields[name] for name in HASHED_FIELDS}
    occurred_at: dt.datetime = body["occurred_at"]
    body["occurred_at"] = occurred_at.astimezone(dt.UTC).isoformat()
    for name in ("before", "after"):
        if body[name] is not None:
            body[name] = json.loads(to_json(body[name]))
    body["prev_hash"] = prev_hash
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical(fields, prev_hash)).hexdigest()


def fields_of(audit_event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(audit_event, name) for name in HASHED_FIELDS}


def awaiting_link(session: Session, audit_event: AuditEvent) -> None:
    """Called by ``audit.record``: link this event when its transaction commits."""
    session.info.setdefault(_UNLINKED, []).append(audit_event)


def lock_head(session: Session) -> AuditChainHead:
    head = session.scalar(
        select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
    )
    if head is None:  # the 0006 migration seeds it; a schema made otherwise starts here
        head = AuditChainHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
    return head


# insert=True: before the rollout serial's bump (rollout/serial.py), whichever module is
# imported first, so every process takes the two last locks in the same order.
@event.listens_for(Session, "before_commit", insert=True)
def _link_on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT: link at the real commit, the head stays the last lock
    unlinked = session.info.pop(_UNLINKED, [])
    # An event of a rolled-back savepoint was expunged; it is not committed, not linked.
    events = [e for e in unlinked if inspect(e).session is session and e.seq is None]
    if not events:
        return
    session.flush()  # the transaction's other locks first: the head is the last one taken
    head = lock_head(session)
    for audit_event in events:
        audit_event.seq = head.seq + 1
        audit_event.prev_hash = head.hash
        audit_event.hash = event_hash(fields_of(audit_event), head.hash)
        head.seq, head.hash = audit_event.seq, audit_event.hash
    session.flush()


@dataclass(frozen=True)
class Break:
    """The first broken link: where, and what is wrong there."""

    seq: int | None
    event_id: str | None
    problem: str


@dataclass(frozen=True)
class Verdict:
    """How many events were intact, the hash of the last of them (to keep elsewhere: a
    later verify that still finds it at that seq proves nothing before was rewritten),
    and the first broken link, if any."""

    events: int
    last_hash: str
    broken: Break | None


def walk(rows: Iterable[Any], head_seq: int, head_hash: str) -> Verdict:
    """Check rows (ordered by ``seq``, nulls last) against each other and the head."""
    expected_seq, expected_prev, count = 1, GENESIS, 0
    for row in rows:
        problem = _problem(row, expected_seq, expected_prev)
        if problem is not None:
            return Verdict(count, expected_prev, Break(row.seq, row.id, problem))
        expected_seq, expected_prev, count = row.seq + 1, row.hash, count + 1
    if head_seq != count or head_hash != expected_prev:
        problem = (
            f"the chain ends at seq {count} but its head says seq {head_seq}: "
            "the events after it were deleted"
            if head_seq > count
            else "the chain head does not match the last event (head row changed)"
        )
        return Verdict(count, expected_prev, Break(count or None, None, problem))
    return Verdict(count, expected_prev, None)


def _problem(row: Any, expected_seq: int, expected_prev: str) -> str | None:
    if row.seq is None:
        return "event has no place in the chain (seq is null: inserted outside the app)"
    if row.seq > expected_seq:
        missing = (
            f"seq {expected_seq}"
            if row.seq == expected_seq + 1
            else f"seq {expected_seq}-{row.seq - 1}"
        )
        return f"missing {missing}: deleted"
    if row.seq < expected_seq:
        return f"seq {row.seq} appears twice"
    if row.hash != event_hash(row._mapping, row.prev_hash or ""):
        return "changed content: the hash does not match the event's fields"
    if row.prev_hash != expected_prev:
        return (
            f"out of order: prev_hash is not the hash of seq {expected_seq - 1}"
            " (rows reordered, or one removed and the rest renumbered)"
        )
    return None


def verify(session: Session, batch: int = 1000) -> Verdict:
    """Walk the whole chain in ``seq`` order, ``batch`` rows at a time."""
    from minirelease.audit import AuditEvent

    head = session.get(AuditChainHead, HEAD_ID)
    columns = [getattr(AuditEvent, name) for name in HASHED_FIELDS]
    query = (
        select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, *columns)
        .order_by(AuditEvent.seq.asc().nulls_last(), AuditEvent.id)
        .execution_options(yield_per=batch)
    )
    result = session.execute(query)
    try:  # a break ends the walk early: close the (server-side) cursor either way
        return walk(result, head.seq if head else 0, head.hash if head else GENESIS)
    finally:
        result.close()
