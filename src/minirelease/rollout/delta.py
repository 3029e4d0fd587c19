"""A snapshot updated for the (mini program, partner app) pairs that changed, in place of a
full rebuild: the touched mini programs' rows are read again (the queries of state.py,
restricted to them) and applied to a copy of the snapshot. Readers keep their snapshot,
which never changes: only the maps that change are copied (the map of each partner app a
touched pair belongs to, and the mini program index when an app id comes or goes); every
other map, and every untouched pair with its compiled decider, is shared."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from sqlalchemy.orm import Session

from minirelease.rollout.changes import Pair
from minirelease.rollout.resolve import PairRollout
from minirelease.rollout.state import RolloutSnapshot, read_codes, read_pairs

# Beyond this many mini programs a full rebuild costs about as much, and needs no IN list
# of thousands of ids.
MAX_PROGRAMS = 500


def apply_changes(
    session: Session, snapshot: RolloutSnapshot, serial: int, touched: Collection[Pair]
) -> RolloutSnapshot | None:
    """``snapshot`` with the ``touched`` pairs as this session's transaction sees them,
    labelled ``serial``; None when a full rebuild is needed instead (too many mini
    programs, or the partner apps themselves changed)."""
    programs = {program for program, _ in touched}
    if len(programs) > MAX_PROGRAMS:
        return None
    db = session.connection()
    codes = read_codes(db)
    if codes != snapshot.partner_codes:
        return None
    everywhere = {program for program, partner in touched if partner is None}
    pairs = {(program, partner) for program, partner in touched if partner is not None}
    pairs |= {(program, partner) for program in everywhere for partner in codes}
    rows = list(read_pairs(db, programs))
    listed = {(row.mini_program_id, row.partner_app_id): row for row in rows}
    partners = _PartnerMaps(snapshot)
    # Each touched pair leaves its partner app's map under the app id it had, then returns
    # under its current one if still listed: all leave first, so that a mini program taking
    # an app id another one just gave up is not removed again.
    for program, partner in pairs:
        old_app_id = snapshot.app_ids.get(program)
        if partner in codes and old_app_id is not None:
            partners.remove(codes[partner], old_app_id)
    for key in pairs:
        row = listed.get(key)
        if row is not None:
            partners.put(codes[row.partner_app_id], row.app_id, row.rollout)
    return RolloutSnapshot(
        serial=serial,
        partners=partners.frozen(),
        partner_codes=snapshot.partner_codes,
        app_ids=_app_ids(snapshot, programs, {row.mini_program_id: row.app_id for row in rows}),
        history=snapshot.history,
    )


class _PartnerMaps:
    """The snapshot's partner maps, each copied on its first write."""

    def __init__(self, snapshot: RolloutSnapshot) -> None:
        self._snapshot = snapshot
        self._copies: dict[str, dict[str, PairRollout]] = {}

    def _writable(self, code: str) -> dict[str, PairRollout]:
        if code not in self._copies:
            self._copies[code] = dict(self._snapshot.partners[code])
        return self._copies[code]

    def remove(self, code: str, app_id: str) -> None:
        if app_id in self._copies.get(code, self._snapshot.partners[code]):
            del self._writable(code)[app_id]

    def put(self, code: str, app_id: str, rollout: PairRollout) -> None:
        self._writable(code)[app_id] = rollout

    def frozen(self) -> Mapping[str, Mapping[str, PairRollout]]:
        partners: dict[str, Mapping[str, PairRollout]] = dict(self._snapshot.partners)
        partners.update((code, MappingProxyType(pairs)) for code, pairs in self._copies.items())
        return MappingProxyType(partners)


def _app_ids(
    snapshot: RolloutSnapshot, programs: set[str], listed: dict[str, str]
) -> Mapping[str, str]:
    """The mini program index with ``programs`` as now ``listed`` (id → app id); copied
    only when it changes."""
    index = snapshot.app_ids
    if all(index.get(program) == listed.get(program) for program in programs):
        return index
    updated = dict(index)
    for program in programs:
        if program in listed:
            updated[program] = listed[program]
        else:
            updated.pop(program, None)
    return MappingProxyType(updated)
