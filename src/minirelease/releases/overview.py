"""A workspace's mini programs with, per partner app, what is online and the release under
way: the workspace page's table. One page of mini programs costs three queries however
many there are (the programs, their listings with the online releases, their open
releases), never one per program or partner app."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from minirelease.authz import Principal
from minirelease.miniprograms.models import MiniProgram
from minirelease.miniprograms.service import list_mini_programs
from minirelease.pagination import Page, PageRequest
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import ACTIVE, TERMINAL, Status

# A release still on its way is in none of these (listings._active_release looks among
# the others). Written as NOT IN so that the database looks the page's programs up by
# their index rather than every open release by its status.
_DONE = sorted(s.value for s in {*TERMINAL, Status.RELEASED})
_ACTIVE = frozenset(s.value for s in ACTIVE)


@dataclass(frozen=True)
class ReleaseBrief:
    id: str
    version: str
    status: str
    basis_points: int
    paused: bool
    halted: bool

    @property
    def percentage(self) -> float:
        return self.basis_points / 100


@dataclass
class PartnerState:
    """One mini program on one partner app."""

    code: str
    name: str
    online: ReleaseBrief | None = None
    removed: bool = False
    # The release under review or rollout if any, else the newest still being prepared.
    active: ReleaseBrief | None = None


@dataclass
class ProgramOverview:
    mini_program: MiniProgram
    partners: list[PartnerState] = field(default_factory=list)


def workspace_overview(
    session: Session, principal: Principal, *, workspace_id: str, page: PageRequest | None
) -> Page[ProgramOverview]:
    """The mini programs of the workspace the caller sees (``list_mini_programs`` decides:
    developers get their assigned ones), each with its partner apps' states."""
    programs = list_mini_programs(session, principal, workspace_id=workspace_id, page=page)
    ids = [mp.id for mp in programs]
    states: dict[tuple[str, str], PartnerState] = {}
    if ids:
        _online(session, ids, states)
        _active(session, ids, states)
    by_program: dict[str, list[PartnerState]] = {}
    for (mp_id, _), state in sorted(states.items(), key=lambda item: (item[0][0], item[1].code)):
        if state.online or state.active or state.removed:
            by_program.setdefault(mp_id, []).append(state)
    return programs.map(lambda mp: ProgramOverview(mp, by_program.get(mp.id, [])))


def _brief_columns(release: type[Release]) -> tuple[Any, ...]:
    """The columns of a ``ReleaseBrief``, in its order."""
    return (
        release.id,
        release.version,
        release.status,
        release.basis_points,
        release.paused,
        release.halted,
    )


def _online(
    session: Session, ids: Iterable[str], states: dict[tuple[str, str], PartnerState]
) -> None:
    online = aliased(Release)
    rows = session.execute(
        select(
            Listing.mini_program_id,
            Listing.removal_status,
            PartnerApp.id,
            PartnerApp.code,
            PartnerApp.name,
            *_brief_columns(online),
        )
        .join(PartnerApp, PartnerApp.id == Listing.partner_app_id)
        .outerjoin(online, online.id == Listing.online_release_id)
        .where(Listing.mini_program_id.in_(list(ids)))
    )
    for mp_id, removal, partner_id, code, name, *release in rows:
        state = states.setdefault((mp_id, partner_id), PartnerState(code, name))
        state.removed = removal == "removed"
        if release[0] is not None:
            state.online = ReleaseBrief(*release)


def _active(
    session: Session, ids: Iterable[str], states: dict[tuple[str, str], PartnerState]
) -> None:
    rows = session.execute(
        select(
            Release.mini_program_id,
            PartnerApp.id,
            PartnerApp.code,
            PartnerApp.name,
            *_brief_columns(Release),
        )
        .join(PartnerApp, PartnerApp.id == Release.partner_app_id)
        .where(Release.mini_program_id.in_(list(ids)), Release.status.not_in(_DONE))
        .order_by(Release.id.desc())
    )
    for mp_id, partner_id, code, name, *release in rows:
        state = states.setdefault((mp_id, partner_id), PartnerState(code, name))
        brief = ReleaseBrief(*release)
        current = state.active
        # Newest first: the first seen wins, unless a later one is under review or rollout
        # and the first is not (at most one per pair is).
        if current is None or (brief.status in _ACTIVE and current.status not in _ACTIVE):
            state.active = brief
