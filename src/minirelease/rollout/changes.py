"""Which (mini program, partner app) pairs each rollout change touched, so that a server
process updates its snapshot for those pairs instead of rebuilding all of it.

Every bump of the rollout serial (serial.py) writes one row here, in the same transaction
and keyed by the new serial: the pairs the transaction touched, or ``pairs = NULL`` when
the change needs a full rebuild. A watcher that sees the serial move from ``a`` to ``b``
reads the rows ``a < serial <= b`` in the same transaction; when all ``b - a`` are there
and none is a full one, it updates just those pairs (cache.py). Rows older than ``KEEP``
serials are deleted as new ones come, so a process that fell further behind than that
(or a database written before this table existed) rebuilds fully.

What counts as touched, from the rows a transaction flushes:
- a Release or Listing: its (mini program, partner app), before and after the change;
- a MiniProgram: the mini program on every partner app (its ``app_id`` keys the pairs);
- a PartnerApp (its code keys a whole partner app), a bulk UPDATE or DELETE on a watched
  table, or ``serial.mark_changed`` (raw SQL): everything, a full rebuild."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from sqlalchemy import JSON, BigInteger, delete, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from minirelease.db import Base
from minirelease.miniprograms.models import MiniProgram
from minirelease.releases.models import Listing, Release

# Serials of history kept: at a hundred changes a second, fifty seconds.
KEEP = 5000
PRUNE_EVERY = 100

# (mini program id, partner app id); a partner app id of None means every partner app.
Pair = tuple[str, str | None]


class RolloutChange(Base):
    __tablename__ = "rollout_changes"

    serial: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # [[mini_program_id, partner_app_id or null], ...]; NULL: a full rebuild
    pairs: Mapped[list[list[str | None]] | None] = mapped_column(JSON, nullable=True)


@dataclass
class Touched:
    """What one transaction touched so far; ``full`` wins over any pairs."""

    full: bool = False
    pairs: set[Pair] = field(default_factory=set)

    def add(self, pairs: set[Pair] | None) -> None:
        if pairs is None:
            self.full = True
        else:
            self.pairs |= pairs


def _values(obj: object, name: str, *, dirty: bool) -> set[Any]:
    """The attribute's value now, and before the flush if it changed."""
    values = {getattr(obj, name)}
    if dirty:
        values.update(inspect(obj).attrs[name].history.deleted)
    return values - {None}


def touched_pairs(obj: object, *, dirty: bool) -> set[Pair] | None:
    """The pairs a watched row's change touches; None: every pair (a full rebuild)."""
    if isinstance(obj, Release | Listing):
        programs = _values(obj, "mini_program_id", dirty=dirty)
        partners = _values(obj, "partner_app_id", dirty=dirty)
        return set(product(programs, partners))
    if isinstance(obj, MiniProgram):
        return {(obj.id, None)}
    return None  # a partner app


def record(session: Session, serial: int, touched: Touched) -> None:
    """The row of the change that bumped the serial to ``serial``."""
    pairs = None if touched.full else [list(pair) for pair in sorted(touched.pairs, key=str)]
    session.add(RolloutChange(serial=serial, pairs=pairs))
    if serial % PRUNE_EVERY == 0:
        session.execute(delete(RolloutChange).where(RolloutChange.serial <= serial - KEEP))


def pairs_between(session: Session, after: int, upto: int) -> set[Pair] | None:
    """The pairs touched by the changes ``after < serial <= upto``; None when a full
    rebuild is needed (one of them was full, or some are no longer, or never were, kept)."""
    if upto <= after:
        return None  # the serial went back: another history (a rolled back transaction)
    rows = session.execute(
        select(RolloutChange.pairs).where(
            RolloutChange.serial > after, RolloutChange.serial <= upto
        )
    ).all()
    if len(rows) != upto - after:
        return None
    return _union(row.pairs for row in rows)


def _union(changes: Iterable[list[list[str | None]] | None]) -> set[Pair] | None:
    pairs: set[Pair] = set()
    for change in changes:
        if change is None:
            return None
        pairs.update((str(program), partner) for program, partner in change)
    return pairs
