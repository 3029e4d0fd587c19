"""What a caller may do to a release now, named after the endpoints that do it (issue 12).

An action is *allowed* when the caller holds its permission on this release (their roles:
releases/access.py) and the state machine's guards accept it with the release's current
facts (state.decide: pure, so asking costs nothing but reading the facts). The names are
the path under ``/releases/{id}/`` the caller sends it to:

- ``configuration`` (``PUT``), ``compatibility-runs``, ``apply``, ``withdraw``, ``pilot``
  (start one, or replace a running pilot's testers), ``pilot/complete``, ``grayscale``
  (start or raise it), ``pause``, ``resume``, ``halt``, ``full-release``, ``cancel``;
- ``reviews:<side>:<decision>`` for ``POST /reviews`` with that ``side`` and
  ``decision``, e.g. ``reviews:partner:approve``.

Rollback and removal act on the listing (``/mini-programs/{id}/partner-apps/{code}``),
not on a release, and the platform's own actions (build and test outcomes, the deadline,
archiving) are no caller's: neither is ever listed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, granted
from minirelease.errors import InvalidTransition
from minirelease.releases.access import caller_roles, remember_team_roles
from minirelease.releases.facts import facts_for, row_facts
from minirelease.releases.models import Release
from minirelease.releases.page_facts import context_facts
from minirelease.releases.state import (
    FULL,
    Action,
    Params,
    ReleaseFacts,
    Status,
    caller_actions,
    decide,
    needs_context,
)

A = Action

# The endpoint each person-driven action is sent to (reviews: see _REVIEWS).
ENDPOINTS: dict[Action, str] = {
    A.CONFIGURE: "configuration",
    A.TEST: "compatibility-runs",
    A.APPLY: "apply",
    A.WITHDRAW: "withdraw",
    A.PILOT: "pilot",
    A.UPDATE_TESTERS: "pilot",
    A.COMPLETE_PILOT: "pilot/complete",
    A.GRAYSCALE: "grayscale",
    A.PAUSE: "pause",
    A.RESUME: "resume",
    A.HALT: "halt",
    A.FULL_RELEASE: "full-release",
    A.CANCEL: "cancel",
}
_REVIEWS: dict[Action, str] = {A.APPROVE: "approve", A.REJECT: "reject"}
REVIEW_SIDES: dict[str, Permission] = {
    "platform": Permission.RELEASE_REVIEW_PLATFORM,
    "partner": Permission.RELEASE_REVIEW_PARTNER,
}


def review_name(side: str, decision: str) -> str:
    return f"reviews:{side}:{decision}"


def _requests(action: Action, permissions: frozenset[Permission]) -> Iterator[tuple[str, Params]]:
    """The endpoint names ``action`` is asked through by a holder of ``permissions``, each
    with the params that stand for it when asking the guards."""
    if action in _REVIEWS:
        for side, permission in REVIEW_SIDES.items():
            if permission in permissions:
                yield review_name(side, _REVIEWS[action]), Params(side=side)
        return
    name = ENDPOINTS.get(action)
    if name is None or Permission.RELEASE_MANAGE not in permissions:
        return
    # A grayscale is offered when some percentage is accepted: 100 % is, whenever any is.
    yield name, Params(basis_points=FULL) if action == A.GRAYSCALE else Params()


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def requestable(status: Status, permissions: frozenset[Permission]) -> list[str]:
    """The endpoints a holder of ``permissions`` may call from ``status``, guards aside:
    for a page that shows an action with the reason it is refused."""
    return _unique(
        name for action in caller_actions(status) for name, _ in _requests(action, permissions)
    )


def allowed(facts: ReleaseFacts, permissions: frozenset[Permission]) -> list[str]:
    """The endpoints a holder of ``permissions`` may call with ``facts``, guards included."""
    names = []
    for action in caller_actions(facts.status):
        for name, params in _requests(action, permissions):
            try:
                decide(facts, action, params)
            except InvalidTransition:
                continue
            names.append(name)
    return _unique(names)


def allowed_for(session: Session, release: Release, principal: Principal) -> list[str]:
    """``allowed`` for ``principal`` on ``release``: the facts beyond the row are read only
    when an action the caller could ask for needs them (apply, starting a grayscale)."""
    permissions = granted(caller_roles(session, principal, release))
    facts = row_facts(release)
    if _needs_context(facts, permissions):
        facts = facts_for(session, release)
    return allowed(facts, permissions)


def allowed_for_page(
    session: Session, releases: Sequence[Release], principal: Principal
) -> dict[str, list[str]]:
    """``allowed_for`` of each release of a list's page, at a cost that does not grow with
    the page: the caller's roles and the facts beyond the rows read in one query each."""
    remember_team_roles(session, principal, {r.mini_program_id for r in releases})
    facts: dict[str, ReleaseFacts] = {}
    permissions: dict[str, frozenset[Permission]] = {}
    needing: list[Release] = []
    for release in releases:
        permissions[release.id] = granted(caller_roles(session, principal, release))
        facts[release.id] = row_facts(release)
        if _needs_context(facts[release.id], permissions[release.id]):
            needing.append(release)
    facts.update(context_facts(session, needing))
    return {r.id: allowed(facts[r.id], permissions[r.id]) for r in releases}


def _needs_context(facts: ReleaseFacts, permissions: frozenset[Permission]) -> bool:
    return any(
        needs_context(facts.status, action) and any(_requests(action, permissions))
        for action in caller_actions(facts.status)
    )
