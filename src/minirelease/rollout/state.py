"""The rollout state of every partner app, read from the database in four set-based
queries (partner apps, listings, online releases, pilot and grayscale releases) into an
immutable snapshot that the launch endpoint and the manifests are answered from. The same
queries, restricted to some mini programs, update a snapshot after a change (delta.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import Status
from minirelease.rollout.resolve import Package, PairRollout

EMPTY_PARTNER: Mapping[str, PairRollout] = MappingProxyType({})


def _frozen() -> Mapping[str, str]:
    return MappingProxyType({})


# What the snapshot is made of: a change to any of these columns bumps the rollout serial
# (serial.WATCHED; tests/rollout/test_serial.py holds the two lists together).
_PARTNER_COLUMNS = (PartnerApp.id, PartnerApp.code)
_LISTING_COLUMNS = (
    Listing.partner_app_id,
    Listing.mini_program_id,
    Listing.online_release_id,
    Listing.removal_status,
    MiniProgram.app_id,
)
_PACKAGE_COLUMNS = (
    Release.id,
    Release.version,
    Release.build_sha256,
    Release.build_size,
    Release.build_signature,
    Release.build_key_id,
)
_CANDIDATE_COLUMNS = (
    *_PACKAGE_COLUMNS,
    Release.mini_program_id,
    Release.partner_app_id,
    Release.status,
    Release.basis_points,
    Release.halted,
    Release.pilot_tester_ids,
)
COLUMNS_READ = (*_PARTNER_COLUMNS, *_LISTING_COLUMNS, *_CANDIDATE_COLUMNS)


@dataclass(frozen=True)
class RolloutSnapshot:
    """Every listed (partner app, mini program) pair's rollout, as of ``serial``:
    ``partners[code][app_id]``. A partner app with nothing listed maps to no pairs."""

    serial: int
    partners: Mapping[str, Mapping[str, PairRollout]]
    # Indexes for updating the snapshot in place of a rebuild (delta.py), not compared:
    # partner app id → code, and listed mini program id → app id.
    partner_codes: Mapping[str, str] = field(default_factory=_frozen, compare=False)
    app_ids: Mapping[str, str] = field(default_factory=_frozen, compare=False)
    # Serials order snapshots of one history only: a cache that starts again (a test's
    # rolled-back transaction) begins another, where a serial may name another state.
    history: object = field(default_factory=object, compare=False)

    def pair(self, partner_code: str, app_id: str) -> PairRollout | None:
        return self.partners.get(partner_code, EMPTY_PARTNER).get(app_id)

    @property
    def pair_count(self) -> int:
        return sum(len(pairs) for pairs in self.partners.values())


EMPTY = RolloutSnapshot(serial=-1, partners=MappingProxyType({}))


def _package(
    release_id: str,
    version: str,
    sha256: str | None,
    size: int | None,
    signature: str | None,
    key_id: str | None,
) -> Package | None:
    """The package of a release row (its _PACKAGE_COLUMNS, in order); None if unbuilt."""
    if sha256 is None:
        return None
    return Package(release_id, version, sha256, size or 0, signature or "", key_id or "")


class ListedPair(NamedTuple):
    partner_app_id: str
    mini_program_id: str
    app_id: str
    rollout: PairRollout


def read_codes(db: Connection) -> dict[str, str]:
    """Partner app id → code, of every partner app."""
    return {str(id_): str(code) for id_, code in db.execute(select(*_PARTNER_COLUMNS)).all()}


def read_pairs(db: Connection, programs: Collection[str] | None = None) -> Iterator[ListedPair]:
    """Every listed pair's rollout, or only those of ``programs`` (mini program ids)."""
    listings = select(*_LISTING_COLUMNS).join(
        MiniProgram, MiniProgram.id == Listing.mini_program_id
    )
    online_query = select(*_PACKAGE_COLUMNS).join(Listing, Listing.online_release_id == Release.id)
    candidate_query = select(*_CANDIDATE_COLUMNS).where(
        Release.status.in_([Status.PILOT.value, Status.GRAYSCALE.value])
    )
    if programs is not None:
        listings = listings.where(Listing.mini_program_id.in_(programs))
        online_query = online_query.where(Listing.mini_program_id.in_(programs))
        candidate_query = candidate_query.where(Release.mini_program_id.in_(programs))
    online = {row[0]: _package(*row) for row in db.execute(online_query).all()}
    candidates = {
        (row.mini_program_id, row.partner_app_id): row for row in db.execute(candidate_query)
    }
    # Unpacked by position (the order of _LISTING_COLUMNS): the loop runs once per pair.
    for partner_app_id, mini_program_id, online_release_id, removal_status, app_id in db.execute(
        listings
    ).all():
        if removal_status == "removed":
            pair = PairRollout(removed=True)
        else:
            online_package = online.get(online_release_id) if online_release_id else None
            candidate = candidates.get((mini_program_id, partner_app_id))
            pair = _with_candidate(online_package, candidate)
        yield ListedPair(partner_app_id, mini_program_id, app_id, pair)


def load_snapshot(session: Session, serial: int, history: object | None = None) -> RolloutSnapshot:
    """The state as this session's transaction sees it. Read the serial first, in the same
    transaction: the data is then at least as new as the serial it is labelled with (and
    exactly as of it in a snapshot transaction, which the rollout cache reads in)."""
    # Core execution: plain rows, without the ORM's per-row loading (half the time).
    db = session.connection()
    codes = read_codes(db)
    partners: dict[str, dict[str, PairRollout]] = {code: {} for code in codes.values()}
    app_ids: dict[str, str] = {}
    for listed in read_pairs(db):
        partners[codes[listed.partner_app_id]][listed.app_id] = listed.rollout
        app_ids[listed.mini_program_id] = listed.app_id
    return RolloutSnapshot(
        serial=serial,
        partners=MappingProxyType(
            {code: MappingProxyType(pairs) for code, pairs in partners.items()}
        ),
        partner_codes=MappingProxyType(codes),
        app_ids=MappingProxyType(app_ids),
        history=object() if history is None else history,
    )


def _with_candidate(online: Package | None, candidate: Any) -> PairRollout:
    package = _package(*candidate[: len(_PACKAGE_COLUMNS)]) if candidate is not None else None
    if package is None:
        return PairRollout(online=online)
    return PairRollout(
        online=online,
        candidate=package,
        candidate_status=candidate.status,
        basis_points=candidate.basis_points,
        halted=bool(candidate.halted),
        testers=frozenset(candidate.pilot_tester_ids or ()),
    )
