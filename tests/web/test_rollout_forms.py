"""Reading the rollout section's plain forms (web/rollout_forms.py)."""

from __future__ import annotations

import pytest

from minirelease.errors import ValidationFailed
from minirelease.releases import health
from minirelease.web import rollout_forms


def test_tester_ids_one_per_line() -> None:
    assert rollout_forms.tester_ids("qa-1\r\n  qa-2 \r\n\r\n") == ["qa-1", "qa-2"]
    assert rollout_forms.tester_ids("") == []


def test_plan_steps_as_lines_of_percentage_and_hold() -> None:
    assert rollout_forms.plan_steps("1%, 60\n5 120\n\n 20 ;240\n100") == [
        ("1", 60),
        ("5", 120),
        ("20", 240),
        ("100", None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "write at least one step"),
        ("5, 60, 7\n10", "a percentage and hold minutes, nothing else"),
        ("5, soon\n10", "hold minutes must be a whole number"),
    ],
)
def test_malformed_plan_lines_are_named(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        rollout_forms.plan_steps(text)


def test_a_plan_with_its_gate_checked_by_the_ramp_module() -> None:
    spec = rollout_forms.plan(
        "1, 60\n10", gated=True, ratio="3", delta_points="2", min_samples="100"
    )
    assert [(s.basis_points, s.hold_minutes) for s in spec.steps] == [(100, 60), (1000, None)]
    assert spec.gate == health.Gate(3.0, 0.02, 100)
    defaults = rollout_forms.plan("1, 60\n10", gated=True)
    assert defaults.gate == health.Gate()
    assert rollout_forms.plan("1, 60\n10", gated=False, ratio="3").gate is None
    with pytest.raises(ValidationFailed, match="hold_minutes"):
        rollout_forms.plan("1\n10", gated=False)  # every step but the last holds
    with pytest.raises(ValidationFailed, match="gate_ratio"):
        rollout_forms.plan("1, 60\n10", gated=True, ratio="x")
    with pytest.raises(ValidationFailed, match="max_failure_rate_ratio"):
        rollout_forms.plan("1, 60\n10", gated=True, ratio="0.5")
    with pytest.raises(ValidationFailed, match="gate_min_samples"):
        rollout_forms.plan("1, 60\n10", gated=True, min_samples="1.5")
