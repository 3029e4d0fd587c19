"""Health gates of ramp plans (issue 5, item 5): is the grayscale version failing clearly
more often than the online one?

Over the current step's window (from when the grayscale reached its percentage until the
evaluation), each side's failure rate is (js_error + crash + load_failure) / all outcomes
reported for it. The gate

- waits while the grayscale side has fewer than ``min_samples`` outcomes (too early to
  tell: no step up, no halt);
- fails when the grayscale rate is above the online rate * ``max_failure_rate_ratio``
  AND above the online rate + ``max_failure_rate_delta`` (both, so neither a tiny online
  rate nor a large one alone trips it). An online version nobody reports on counts as
  0 % failing: the delta alone decides then;
- passes otherwise.

Rates are fractions: 0.02 is 2 %."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from minirelease.errors import ValidationFailed
from minirelease.releases.facts import listing_for
from minirelease.releases.models import RampPlan, Release
from minirelease.telemetry.service import FAILURES, outcome_totals

DEFAULT_RATIO = 2.0
DEFAULT_DELTA = 0.01
DEFAULT_MIN_SAMPLES = 500
MAX_RATIO = 1000.0
MAX_MIN_SAMPLES = 1_000_000_000


class Verdict(StrEnum):
    PASSING = "passing"
    WAITING = "waiting"
    FAILING = "failing"


@dataclass(frozen=True)
class Gate:
    max_failure_rate_ratio: float = DEFAULT_RATIO
    max_failure_rate_delta: float = DEFAULT_DELTA
    min_samples: int = DEFAULT_MIN_SAMPLES

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_failure_rate_ratio": self.max_failure_rate_ratio,
            "max_failure_rate_delta": self.max_failure_rate_delta,
            "min_samples": self.min_samples,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gate:
        return cls(
            max_failure_rate_ratio=float(data["max_failure_rate_ratio"]),
            max_failure_rate_delta=float(data["max_failure_rate_delta"]),
            min_samples=int(data["min_samples"]),
        )


def gate(
    *,
    max_failure_rate_ratio: float = DEFAULT_RATIO,
    max_failure_rate_delta: float = DEFAULT_DELTA,
    min_samples: int = DEFAULT_MIN_SAMPLES,
) -> Gate:
    """A gate with checked thresholds, or ``ValidationFailed`` naming the field."""
    ratio, delta = float(max_failure_rate_ratio), float(max_failure_rate_delta)
    if not (math.isfinite(ratio) and 1.0 <= ratio <= MAX_RATIO):
        raise ValidationFailed(
            f"plan.gate.max_failure_rate_ratio: must be 1 to {MAX_RATIO:g}, got {ratio:g}",
            field="plan.gate.max_failure_rate_ratio",
        )
    if not (math.isfinite(delta) and 0.0 <= delta <= 1.0):
        raise ValidationFailed(
            f"plan.gate.max_failure_rate_delta: a rate difference from 0 to 1, got {delta:g}",
            field="plan.gate.max_failure_rate_delta",
        )
    if not 1 <= min_samples <= MAX_MIN_SAMPLES:
        raise ValidationFailed(
            f"plan.gate.min_samples: must be 1 to {MAX_MIN_SAMPLES}, got {min_samples}",
            field="plan.gate.min_samples",
        )
    return Gate(ratio, delta, min_samples)


@dataclass(frozen=True)
class Samples:
    total: int = 0
    failures: int = 0

    @property
    def rate(self) -> float:
        return self.failures / self.total if self.total else 0.0


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    grayscale: Samples
    online: Samples
    reason: str
    window_start: dt.datetime
    window_end: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """For the audit log and the release read."""
        return {
            "status": self.verdict.value,
            "grayscale_rate": round(self.grayscale.rate, 6),
            "online_rate": round(self.online.rate, 6),
            "samples": self.grayscale.total,
            "online_samples": self.online.total,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "reason": self.reason,
        }


def judge(gate: Gate, grayscale: Samples, online: Samples) -> tuple[Verdict, str]:
    """The verdict on two sides' samples, and why, in words. Pure."""
    if grayscale.total < gate.min_samples:
        return Verdict.WAITING, (
            f"{grayscale.total} of the {gate.min_samples} outcomes needed from the grayscale"
            " version so far"
        )
    g, o = grayscale.rate, online.rate
    above_ratio = g > o * gate.max_failure_rate_ratio
    above_delta = g > o + gate.max_failure_rate_delta
    summary = (
        f"grayscale failure rate {g:.2%} ({grayscale.failures}/{grayscale.total}) vs online"
        f" {o:.2%} ({online.failures}/{online.total})"
    )
    if above_ratio and above_delta:
        return Verdict.FAILING, (
            f"{summary}: above {gate.max_failure_rate_ratio:g} times and"
            f" +{gate.max_failure_rate_delta:.2%} the online rate"
        )
    return Verdict.PASSING, summary


def _samples(totals: dict[str, int]) -> Samples:
    return Samples(
        total=sum(totals.values()), failures=sum(totals.get(name, 0) for name in FAILURES)
    )


def evaluate(session: Session, release: Release, plan: RampPlan, now: dt.datetime) -> GateResult:
    """The plan's gate on the telemetry of the current step's window, up to ``now``."""
    assert plan.gate is not None, "only plans with a gate are evaluated"
    listing = listing_for(session, release)
    online_id = listing.online_release_id if listing else None
    start = plan.step_started_at
    grayscale = _samples(outcome_totals(session, release.id, start, now))
    online = _samples(outcome_totals(session, online_id, start, now)) if online_id else Samples()
    verdict, reason = judge(Gate.from_dict(plan.gate), grayscale, online)
    return GateResult(verdict, grayscale, online, reason, start, now)
