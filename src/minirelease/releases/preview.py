"""Whether an action would be refused now, and why, without taking it: the state
machine's own guards asked over the release's current facts, so a page can explain a
refusal (the compatibility gate of "Apply to Release") before the button is pressed.
Taking the action still decides again, in its own transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minirelease.authz import Principal
from minirelease.errors import InvalidTransition
from minirelease.releases.access import load_release
from minirelease.releases.facts import facts_for
from minirelease.releases.models import Release
from minirelease.releases.state import Action, Params, decide


def refusal(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    action: Action,
    params: Params | None = None,
) -> InvalidTransition | None:
    """The ``InvalidTransition`` taking ``action`` would raise now (its ``detail`` says why,
    its ``reason`` names the compatibility gate's refusals), or None when it would pass.
    Reads only; whether the caller may take the action at all is not asked here."""
    release, _, _ = load_release(session, principal, release_id)
    return refusal_for(session, release, action, params)


def refusal_for(
    session: Session, release: Release, action: Action, params: Params | None = None
) -> InvalidTransition | None:
    """``refusal`` for a release the caller has loaded (and may see)."""
    try:
        decide(facts_for(session, release), action, params)
    except InvalidTransition as refused:
        return refused
    return None
