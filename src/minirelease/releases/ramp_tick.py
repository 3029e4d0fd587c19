"""The ramp plans' periodic tick: for every running grayscale with an active plan,
evaluate its health gate and, once the current step has been held long enough, take the
next step. Called by a ``Periodic`` of the server with the clock injected.

Every move goes through the same transitions as a person's (the state machine's guards,
the audit log), with the plan as the actor (``ramp-plan:<plan id>``):

- a failing gate halts the grayscale at once, whatever the hold, even while paused (its
  users still run the new version): ``release.halt`` with the gate's evaluation (rates,
  samples, window) in the audit event, and the plan stops;
- a gate still waiting for samples holds the plan where it is;
- otherwise, a step held for its minimum time, and not paused, raises the grayscale to the
  next step (``release.grayscale``); reaching 100 % releases it like a full release.

Concurrent ticks (several server processes): each locks the releases it works on and
skips those locked by anyone else; a release already moved by another tick has a new
hold, so it is not due again."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from minirelease.errors import DomainError
from minirelease.miniprograms.models import MiniProgram
from minirelease.observability.metrics import process_metrics
from minirelease.partners.models import PartnerApp
from minirelease.releases import ramp
from minirelease.releases.health import Verdict, evaluate
from minirelease.releases.models import RampPlan, Release
from minirelease.releases.rollout_actions import go_online
from minirelease.releases.state import Action, Params, Status
from minirelease.releases.transitions import transition
from minirelease.telemetry.service import forget_old_batches

logger = logging.getLogger(__name__)


def plan_actor(plan: RampPlan) -> str:
    return f"ramp-plan:{plan.id}"


@dataclass(frozen=True)
class RampMove:
    release_id: str
    move: str  # "raised" | "released" | "halted"
    basis_points: int


def _halt(
    session: Session,
    release: Release,
    plan: RampPlan,
    context: tuple[str, str],
    result: dict[str, Any],
    now: dt.datetime,
) -> RampMove:
    workspace_id, code = context
    reason = f"health gate failed: {result['reason']}"
    transition(
        session,
        release,
        Action.HALT,
        actor=plan_actor(plan),
        workspace_id=workspace_id,
        partner_app=code,
        changes={"halted": True},
        details={"ramp_plan": plan.id, "health_gate": result},
        now=now,
    )
    ramp.stop(plan, reason, result, now)
    return RampMove(release.id, "halted", release.basis_points)


def _raise(
    session: Session,
    release: Release,
    plan: RampPlan,
    context: tuple[str, str],
    gate: dict[str, Any] | None,
    now: dt.datetime,
) -> RampMove:
    workspace_id, code = context
    step = ramp.next_step(plan)
    assert step is not None
    index = plan.current_step + 1
    transition(
        session,
        release,
        Action.GRAYSCALE,
        actor=plan_actor(plan),
        workspace_id=workspace_id,
        partner_app=code,
        params=Params(basis_points=step.basis_points),
        changes={"basis_points": step.basis_points},
        details={"ramp_plan": plan.id, "step": index, "health_gate": gate},
        now=now,
    )
    if release.status == Status.RELEASED:
        go_online(session, release, actor=plan_actor(plan), workspace_id=workspace_id, code=code)
        return RampMove(release.id, "released", release.basis_points)
    return RampMove(release.id, "raised", release.basis_points)


def advance_ramps(session: Session, now: dt.datetime) -> list[RampMove]:
    """One evaluation of every active plan at ``now``; returns what moved."""
    rows = session.execute(
        select(Release, RampPlan, MiniProgram.workspace_id, PartnerApp.code)
        .join(RampPlan, RampPlan.release_id == Release.id)
        .join(MiniProgram, MiniProgram.id == Release.mini_program_id)
        .join(PartnerApp, PartnerApp.id == Release.partner_app_id)
        .where(
            RampPlan.status == ramp.PlanStatus.ACTIVE.value,
            Release.status == Status.GRAYSCALE.value,
            # Halted serves nobody the new version: nothing to watch, nothing to raise.
            Release.halted.is_(False),
        )
        .order_by(Release.id)
        # A release a person (or another tick) is changing right now is taken next tick.
        # Both rows locked: on PostgreSQL a row changed meanwhile is re-read, plan and all.
        .with_for_update(of=(Release, RampPlan), skip_locked=True)
    ).all()
    moves: list[RampMove] = []
    for release, plan, workspace_id, code in rows:
        try:
            # One savepoint per plan: a plan that cannot move (its data broken by hand,
            # say) is logged and retried next tick without holding up the others' gates.
            with session.begin_nested():
                move = _evaluate(session, release, plan, (workspace_id, code), now)
        except (DomainError, StaleDataError):
            logger.exception("ramp plan %s of release %s could not move", plan.id, release.id)
            continue
        if move is not None:
            moves.append(move)
    return moves


def _evaluate(
    session: Session,
    release: Release,
    plan: RampPlan,
    context: tuple[str, str],
    now: dt.datetime,
) -> RampMove | None:
    gate = evaluate(session, release, plan, now) if plan.gate is not None else None
    if gate is not None:
        process_metrics().gate_evaluations.labels(gate.verdict.value).inc()
    if gate is not None and gate.verdict == Verdict.FAILING:
        return _halt(session, release, plan, context, gate.to_dict(), now)
    held = plan.hold_until is not None and now >= plan.hold_until
    if release.paused or not held or (gate is not None and gate.verdict == Verdict.WAITING):
        return None
    result = gate.to_dict() if gate is not None else None
    return _raise(session, release, plan, context, result, now)


def tick(session: Session, now: dt.datetime) -> None:
    """The periodic work of the health checker: ramp plans, and old telemetry batch ids."""
    advance_ramps(session, now)
    forget_old_batches(session, now)
