"""Under review: apply (with basic info editable, whitelists snapshotted), withdraw, and
the two approvals — the platform's and the target partner app's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, granted
from minirelease.errors import PermissionDenied, ValidationFailed
from minirelease.miniprograms import service as miniprograms
from minirelease.partners.models import PartnerApp
from minirelease.releases.access import load_release
from minirelease.releases.compat_gate import gate_run
from minirelease.releases.facts import listing_for
from minirelease.releases.models import Release
from minirelease.releases.state import Action, Params
from minirelease.releases.transitions import transition

BASIC_INFO_FIELDS = ("name", "description", "category")
SIDES = {
    "platform": Permission.RELEASE_REVIEW_PLATFORM,
    "partner": Permission.RELEASE_REVIEW_PARTNER,
}
MAX_COMMENT = 2000


def _partner_code(session: Session, release: Release) -> str | None:
    partner = session.get(PartnerApp, release.partner_app_id)
    return partner.code if partner else None


def apply_for_release(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    basic_info: dict[str, Any] | None = None,
) -> Release:
    """ "Apply to Release". Basic info may be edited here (it updates the mini program);
    the whitelists are read-only here and snapshotted with it for the reviewers.

    Needs a finished compatibility run over the partner app's whole matrix on the current
    build (releases/compat_gate.py), refused otherwise with ``invalid_transition`` and a
    ``reason``. The release then shows that run, the report the reviewers decide on, even
    when narrowed runs came after it."""
    release, mp, _ = load_release(
        session, principal, release_id, Permission.RELEASE_MANAGE, for_update=True
    )
    # The one-active-release rule reads the pair's other releases, which this release's
    # row lock does not cover: lock the pair's listing so two applies of one pair take
    # turns (on PostgreSQL both would otherwise see none active and both get in review).
    listing_for(session, release, for_update=True)
    edits = basic_info or {}
    unknown = set(edits) - set(BASIC_INFO_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"basic_info may change only {', '.join(BASIC_INFO_FIELDS)}; not {sorted(unknown)}"
        )
    if edits:
        miniprograms.update_mini_program(session, principal, mini_program_id=mp.id, **edits)
    snapshot = {
        "name": mp.name,
        "description": mp.description,
        "category": mp.category,
        "icon_sha256": mp.icon_sha256,
    }
    gate = gate_run(session, release)  # None: the transition refuses, saying why
    transition(
        session,
        release,
        Action.APPLY,
        actor=principal.user_id,
        workspace_id=mp.workspace_id,
        partner_app=_partner_code(session, release),
        changes={
            "basic_info": snapshot,
            "server_domains": list(mp.server_domains),
            "h5_domains": list(mp.h5_domains),
            "platform_decision": None,
            "platform_comment": None,
            "platform_reviewer_id": None,
            "partner_decision": None,
            "partner_comment": None,
            "partner_reviewer_id": None,
            **({"compat_run_id": gate.id} if gate is not None else {}),
        },
    )
    return release


def withdraw(
    session: Session, principal: Principal, *, release_id: str, now: dt.datetime | None = None
) -> Release:
    release, mp, _ = load_release(
        session, principal, release_id, Permission.RELEASE_MANAGE, for_update=True
    )
    transition(
        session,
        release,
        Action.WITHDRAW,
        actor=principal.user_id,
        workspace_id=mp.workspace_id,
        partner_app=_partner_code(session, release),
        now=now,
    )
    return release


def review(
    session: Session,
    principal: Principal,
    *,
    release_id: str,
    side: str,
    decision: str,
    comment: str = "",
) -> Release:
    if side not in SIDES:
        raise ValidationFailed("side must be 'platform' or 'partner'")
    if decision not in ("approve", "reject"):
        raise ValidationFailed("decision must be 'approve' or 'reject'")
    if decision == "reject" and not comment.strip():
        raise ValidationFailed("a rejection needs a comment saying what to change")
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"comment must be at most {MAX_COMMENT} characters")
    release, mp, roles = load_release(session, principal, release_id, for_update=True)
    if SIDES[side] not in granted(roles):
        raise PermissionDenied(f"you are not a {side} reviewer of this release")
    action = Action.APPROVE if decision == "approve" else Action.REJECT
    transition(
        session,
        release,
        action,
        actor=principal.user_id,
        workspace_id=mp.workspace_id,
        params=Params(side=side),
        partner_app=_partner_code(session, release),
        changes={
            f"{side}_decision": decision,
            f"{side}_comment": comment,
            f"{side}_reviewer_id": principal.user_id,
        },
        details={"side": side},
    )
    return release
