"""The README's health-gate defaults: a plan's gate given as `{}` reads back with
`max_failure_rate_ratio` 2, `max_failure_rate_delta` 0.01 and `min_samples` 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.releases.flow import released, scenario
from tests.releases.ramps import plan, ramp, start_with_plan


def test_an_empty_gate_takes_the_documented_defaults(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = start_with_plan(s, "1.1.0", plan((1, 60), (5, None), gate={}))
    gate = ramp(s, release_id)["gate"]
    assert (
        gate["max_failure_rate_ratio"],
        gate["max_failure_rate_delta"],
        gate["min_samples"],
    ) == (2, 0.01, 500)
