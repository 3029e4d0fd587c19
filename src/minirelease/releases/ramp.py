"""Ramp plans (issue 5, item 4): a grayscale that raises itself, step by step.

A plan is 1 to 20 steps, each a percentage (0.01 … 100 in steps of 0.01, strictly
increasing, the first below 100) and, on every step but the last, a minimum hold in
minutes; and an optional health gate (releases/health.py). It is given when the
grayscale starts, which starts at its first step. The periodic tick (ramp_tick.py) moves
it on; whatever else happens to the grayscale moves the plan with it, through ``follow``,
which every release transition calls:

- a manual raise puts the plan on the highest step at or below the new percentage and
  starts that step's hold afresh: the next automatic step is the first one above;
- pause and halt freeze the plan (hold time does not count while frozen); resume thaws
  it. The gate keeps watching a paused grayscale: its users still run the new version;
- reaching 100 % (by the plan, a person or the deadline) completes the plan; cancel ends
  it; a failing gate halts the grayscale and stops the plan for good (``stop``): a person
  then resumes it (by hand from there on) or cancels.

A plan whose last step is below 100 % holds there, its gate still watching, until a
person (or the partner app's deadline) takes the grayscale further."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.errors import ValidationFailed
from minirelease.ids import new_id
from minirelease.releases.health import Gate
from minirelease.releases.models import RampPlan, Release
from minirelease.releases.state import FULL, Action, Status
from minirelease.rollout.bucketing import basis_points

MAX_STEPS = 20
MAX_HOLD_MINUTES = 30 * 24 * 60


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"  # the release was released (by the plan, a person, the deadline)
    CANCELED = "canceled"
    STOPPED = "stopped"  # its health gate halted the grayscale


@dataclass(frozen=True)
class Step:
    basis_points: int
    hold_minutes: int | None  # None on the last step: nothing follows it

    def to_dict(self) -> dict[str, Any]:
        return {"basis_points": self.basis_points, "hold_minutes": self.hold_minutes}


@dataclass(frozen=True)
class PlanSpec:
    steps: tuple[Step, ...]
    gate: Gate | None = None

    @property
    def total_hold_minutes(self) -> int:
        return sum(step.hold_minutes or 0 for step in self.steps)


Percentage = str | int | float


def _step(index: int, percentage: Percentage, hold_minutes: int | None, last: bool) -> Step:
    where = f"plan.steps.{index}"
    try:
        points = basis_points(percentage)
    except ValueError as exc:
        raise ValidationFailed(f"{where}.percentage: {exc}", field=f"{where}.percentage") from None
    if last and hold_minutes is not None:
        raise ValidationFailed(
            f"{where}.hold_minutes: the last step has no hold, nothing follows it",
            field=f"{where}.hold_minutes",
        )
    if not last and (hold_minutes is None or not 1 <= hold_minutes <= MAX_HOLD_MINUTES):
        raise ValidationFailed(
            f"{where}.hold_minutes: every step but the last holds 1 to {MAX_HOLD_MINUTES}"
            f" minutes, got {hold_minutes}",
            field=f"{where}.hold_minutes",
        )
    return Step(points, hold_minutes)


def plan_spec(steps: Sequence[tuple[Percentage, int | None]], gate: Gate | None = None) -> PlanSpec:
    """Checked steps (percentage as given, hold minutes), or ``ValidationFailed``."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValidationFailed(f"plan.steps: 1 to {MAX_STEPS} steps, got {len(steps)}")
    parsed = tuple(_step(i, pct, hold, i == len(steps) - 1) for i, (pct, hold) in enumerate(steps))
    for i in range(1, len(parsed)):
        if parsed[i].basis_points <= parsed[i - 1].basis_points:
            raise ValidationFailed(
                f"plan.steps.{i}.percentage: steps must rise strictly"
                f" ({parsed[i].basis_points / 100:g} after {parsed[i - 1].basis_points / 100:g})",
                field=f"plan.steps.{i}.percentage",
            )
    if parsed[0].basis_points >= FULL:
        raise ValidationFailed(
            "plan.steps.0.percentage: a plan starts below 100; release fully instead",
            field="plan.steps.0.percentage",
        )
    return PlanSpec(parsed, gate)


def steps_of(plan: RampPlan) -> list[Step]:
    return [Step(int(s["basis_points"]), s["hold_minutes"]) for s in plan.steps]


def next_step(plan: RampPlan) -> Step | None:
    steps = steps_of(plan)
    return steps[plan.current_step + 1] if plan.current_step + 1 < len(steps) else None


def _hold_from(plan: RampPlan, now: dt.datetime) -> dt.datetime | None:
    minutes = steps_of(plan)[plan.current_step].hold_minutes
    return None if minutes is None else now + dt.timedelta(minutes=minutes)


def start(
    session: Session,
    release: Release,
    spec: PlanSpec,
    *,
    actor: str,
    workspace_id: str,
    partner_app: str,
    deadline_days: int,
    now: dt.datetime,
) -> RampPlan:
    """Attach ``spec`` to a grayscale that has just started at its first step."""
    assert release.basis_points == spec.steps[0].basis_points
    if spec.total_hold_minutes > deadline_days * 24 * 60:
        raise ValidationFailed(
            f"plan.steps: the holds add up to {spec.total_hold_minutes} minutes, past"
            f" {partner_app}'s grayscale deadline of {deadline_days} days, which would"
            " complete the grayscale first",
            field="plan.steps",
        )
    plan = RampPlan(
        id=new_id("rmp"),
        release_id=release.id,
        steps=[step.to_dict() for step in spec.steps],
        gate=spec.gate.to_dict() if spec.gate else None,
        status=PlanStatus.ACTIVE.value,
        current_step=0,
        step_started_at=now,
        created_by=actor,
        created_at=now,
    )
    plan.hold_until = _hold_from(plan, now)
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ramp_plan.start",
        target_type="ramp_plan",
        target_id=plan.id,
        workspace_id=workspace_id,
        mini_program_id=release.mini_program_id,
        release_id=release.id,
        partner_app=partner_app,
        after={"steps": plan.steps, "gate": plan.gate},
    )
    return plan


def plan_of(session: Session, release_id: str) -> RampPlan | None:
    return session.scalar(select(RampPlan).where(RampPlan.release_id == release_id))


def _end(plan: RampPlan, status: PlanStatus, reason: str, now: dt.datetime) -> None:
    plan.status = status.value
    plan.end_reason = reason
    plan.ended_at = now
    plan.hold_until = None


_ENDINGS = {
    Action.GRAYSCALE: "the grayscale reached 100%",
    Action.FULL_RELEASE: "released fully by a person",
    Action.COMPLETE_AT_DEADLINE: "completed at the partner app's grayscale deadline",
}
_FOLLOWED = frozenset({*_ENDINGS, Action.PAUSE, Action.HALT, Action.RESUME, Action.CANCEL})


def follow(session: Session, release: Release, action: Action, now: dt.datetime) -> None:
    """Keep the release's active plan in step with ``action``, just applied to it."""
    if action not in _FOLLOWED:
        return
    plan = plan_of(session, release.id)
    if plan is None or plan.status != PlanStatus.ACTIVE:
        return
    status = Status(release.status)
    if status == Status.RELEASED:
        _end(plan, PlanStatus.COMPLETED, _ENDINGS[action], now)
    elif status == Status.CANCELED:
        _end(plan, PlanStatus.CANCELED, "the release was canceled", now)
    elif action == Action.GRAYSCALE:
        points = release.basis_points
        plan.current_step = max(
            i for i, step in enumerate(steps_of(plan)) if step.basis_points <= points
        )
        plan.step_started_at = now
        plan.hold_until = _hold_from(plan, now)
    elif action in (Action.PAUSE, Action.HALT):
        plan.frozen_at = plan.frozen_at or now
    elif action == Action.RESUME and plan.frozen_at is not None:
        if plan.hold_until is not None:
            plan.hold_until += max(dt.timedelta(0), now - plan.frozen_at)
        plan.frozen_at = None
    session.flush()


def stop(plan: RampPlan, reason: str, result: dict[str, Any], now: dt.datetime) -> None:
    """The gate halted the grayscale: the plan moves it no further."""
    _end(plan, PlanStatus.STOPPED, reason, now)
    plan.gate_result = result
