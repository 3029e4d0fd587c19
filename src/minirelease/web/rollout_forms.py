"""Reading the rollout section's plain forms into what the services take: tester ids
one per line, and a ramp plan written as lines of "percentage, hold minutes"."""

from __future__ import annotations

import re

from minirelease.errors import ValidationFailed
from minirelease.releases import health, ramp

_SEPARATORS = re.compile(r"[\s,;]+")


def tester_ids(text: str) -> list[str]:
    """One id per line; blank lines are left out. Ids cannot hold whitespace, so the
    spaces around one (and a browser's \\r) are not part of it."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(value: str, field: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed(f"{field}: {what} must be a number, got {value!r}") from None


def plan_steps(text: str) -> list[tuple[str, int | None]]:
    """Each non-blank line: a percentage, then (on every line but the last) the minutes
    to hold it, e.g. ``5, 60``. A ``%`` after the percentage is allowed."""
    steps: list[tuple[str, int | None]] = []
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        parts = [p for p in _SEPARATORS.split(line.replace("%", " ").strip()) if p]
        if len(parts) > 2:
            raise ValidationFailed(
                f"plan_steps: line {number} {line.strip()!r}: a percentage and hold minutes,"
                " nothing else",
                field="plan_steps",
            )
        hold: int | None = None
        if len(parts) == 2:
            if not parts[1].isdigit():
                raise ValidationFailed(
                    f"plan_steps: line {number}: hold minutes must be a whole number,"
                    f" got {parts[1]!r}",
                    field="plan_steps",
                )
            hold = int(parts[1])
        steps.append((parts[0], hold))
    if not steps:
        raise ValidationFailed("plan_steps: write at least one step", field="plan_steps")
    return steps


def plan(
    steps_text: str,
    *,
    gated: bool,
    ratio: str = "",
    delta_points: str = "",
    min_samples: str = "",
) -> ramp.PlanSpec:
    """The plan, checked by the ramp module; the gate's delta is given in percentage
    points on the form (1 = a failure rate 1 point above the online one)."""
    gate = None
    if gated:
        samples = min_samples.strip()
        if samples and not samples.isdigit():
            raise ValidationFailed(
                f"gate_min_samples: a whole number, got {samples!r}", field="gate_min_samples"
            )
        gate = health.gate(
            max_failure_rate_ratio=(
                _number(ratio.strip(), "gate_ratio", "the ratio")
                if ratio.strip()
                else health.DEFAULT_RATIO
            ),
            max_failure_rate_delta=(
                _number(delta_points.strip(), "gate_delta", "the difference") / 100
                if delta_points.strip()
                else health.DEFAULT_DELTA
            ),
            min_samples=int(samples) if samples else health.DEFAULT_MIN_SAMPLES,
        )
    return ramp.plan_spec(plan_steps(steps_text), gate)
