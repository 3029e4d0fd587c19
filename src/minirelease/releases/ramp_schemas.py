"""Ramp plan request and response shapes: the ``plan`` of ``POST /releases/{id}/grayscale``
and the ``ramp`` of a release read."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, StrictFloat, StrictInt
from sqlalchemy.orm import Session

from minirelease.releases import health, ramp
from minirelease.releases.models import RampPlan, Release
from minirelease.releases.state import Status
from minirelease.schemas import Body

# A JSON number, integer or not (read as a float; a percentage's float is read back as the
# exact decimal it was written as); not text, not a boolean. One type, so that a refusal
# names the field alone.
Number = StrictFloat


class RampStepCreate(Body):
    percentage: Number = Field(
        description="0.01 to 100 in steps of 0.01; each step above the one before"
    )
    hold_minutes: StrictInt | None = Field(
        default=None,
        description="Minimum minutes at this step before the next; required on every step"
        " but the last, which has none",
    )


class HealthGateCreate(Body):
    max_failure_rate_ratio: Number = Field(
        default=health.DEFAULT_RATIO, description="Fails above online rate times this (>= 1)"
    )
    max_failure_rate_delta: Number = Field(
        default=health.DEFAULT_DELTA,
        description="... and above online rate plus this (a fraction: 0.01 = 1 point)",
    )
    min_samples: StrictInt = Field(
        default=health.DEFAULT_MIN_SAMPLES,
        description="Outcomes needed from the grayscale version before the gate decides",
    )


class RampPlanCreate(Body):
    steps: list[RampStepCreate] = Field(max_length=ramp.MAX_STEPS)
    gate: HealthGateCreate | None = None

    def to_spec(self) -> ramp.PlanSpec:
        gate = None if self.gate is None else health.gate(**self.gate.model_dump())
        return ramp.plan_spec([(s.percentage, s.hold_minutes) for s in self.steps], gate)


class RampStepRead(BaseModel):
    percentage: float
    hold_minutes: int | None


class GateRead(BaseModel):
    max_failure_rate_ratio: float
    max_failure_rate_delta: float
    min_samples: int
    # passing | waiting | failing (halts at the next evaluation) | halted (it did) |
    # inactive (the plan ended otherwise)
    status: str
    grayscale_rate: float | None = None
    online_rate: float | None = None
    samples: int | None = None
    online_samples: int | None = None
    window_start: dt.datetime | None = None
    reason: str | None = None


class RampRead(BaseModel):
    id: str
    status: str  # active | completed | canceled | stopped
    steps: list[RampStepRead]
    current_step: int
    step_started_at: dt.datetime
    # When the next step is due (the gate permitting); None while frozen, or at the end.
    next_step_at: dt.datetime | None
    # Hold time left on the current step, frozen while paused or halted.
    hold_remaining_seconds: float | None
    end_reason: str | None
    ended_at: dt.datetime | None
    gate: GateRead | None


def _gate_read(session: Session, release: Release, plan: RampPlan, now: dt.datetime) -> GateRead:
    assert plan.gate is not None
    config = health.Gate.from_dict(plan.gate)
    if plan.gate_result is not None:
        result = dict(plan.gate_result)
        result["status"] = "halted"
    elif plan.status == ramp.PlanStatus.ACTIVE and release.status == Status.GRAYSCALE:
        result = health.evaluate(session, release, plan, now).to_dict()
    else:
        result = {"status": "inactive"}
    result.pop("window_end", None)
    return GateRead(**config.to_dict(), **result)


def ramp_read(session: Session, release: Release, now: dt.datetime) -> RampRead | None:
    plan = ramp.plan_of(session, release.id)
    if plan is None:
        return None
    remaining = None
    if plan.status == ramp.PlanStatus.ACTIVE and plan.hold_until is not None:
        remaining = max(0.0, (plan.hold_until - (plan.frozen_at or now)).total_seconds())
    frozen = plan.frozen_at is not None
    return RampRead(
        id=plan.id,
        status=plan.status,
        steps=[
            RampStepRead(percentage=s.basis_points / 100, hold_minutes=s.hold_minutes)
            for s in ramp.steps_of(plan)
        ],
        current_step=plan.current_step,
        step_started_at=plan.step_started_at,
        next_step_at=plan.hold_until if remaining is not None and not frozen else None,
        hold_remaining_seconds=remaining,
        end_reason=plan.end_reason,
        ended_at=plan.ended_at,
        gate=_gate_read(session, release, plan, now) if plan.gate is not None else None,
    )
