"""Numbers are JSON numbers (issue 12, item 5): ``{"percentage": "1e2"}`` once turned a
50 % grayscale into a full release. Text, booleans and lists where a number (or a
boolean) is expected are refused with 422 ``validation_error``, and so is every value out
of its range, on every endpoint that takes one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import Enum
from typing import Any, get_args, get_origin

import pytest
from fastapi.testclient import TestClient
from pydantic import Strict

from minirelease.api.app import create_app
from minirelease.schemas import Body
from tests.factories import Factory
from tests.releases.flow import Scenario, grayscale, problem, released, scenario

NOT_NUMBERS = ["1e2", "50", "100", "", True, False, [50], {"value": 50}]


@pytest.fixture
def half_released(client: TestClient, factory: Factory) -> tuple[Scenario, str]:
    s = scenario(client, factory)
    released(s, "1.0.0")
    return s, grayscale(s, "1.1.0", 50)


def plan(*steps: tuple[Any, int | None]) -> dict[str, Any]:
    return {"steps": [{"percentage": p, "hold_minutes": h} for p, h in steps]}


def test_a_percentage_must_be_a_json_number(half_released: tuple[Scenario, str]) -> None:
    s, release_id = half_released
    for value in NOT_NUMBERS:
        refused = s.call("POST", f"/releases/{release_id}/grayscale", json={"percentage": value})
        body = problem(refused, 422, "validation_error")
        assert body["detail"].startswith("body.percentage: "), body
    read = s.ok("GET", f"/releases/{release_id}")
    assert (read["status"], read["percentage"]) == ("grayscale", 50)
    # The number itself still raises it, fractions included.
    raised = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 62.5})
    assert raised["percentage"] == 62.5


def test_plan_numbers_must_be_json_numbers(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    for steps in (
        plan(("5", 10), (100, None)),
        plan((5, 10), ("1e2", None)),
        plan((5, "10"), (100, None)),
        plan((5, 10.0), (100, None)),  # minutes are whole
    ):
        refused = s.call("POST", f"/releases/{release_id}/grayscale", json={"plan": steps})
        problem(refused, 422, "validation_error")
    gate = {**plan((5, 10), (100, None)), "gate": {"min_samples": "10"}}
    problem(
        s.call("POST", f"/releases/{release_id}/grayscale", json={"plan": gate}),
        422,
        "validation_error",
    )
    assert s.ok("GET", f"/releases/{release_id}")["status"] == "approved"


# (method, path, body) per out-of-range value, each endpoint's own numeric field.
OUT_OF_RANGE = {
    "percentage 0": ("grayscale", {"percentage": 0}, "percentage"),
    "percentage 101": ("grayscale", {"percentage": 101}, "percentage"),
    "percentage -5": ("grayscale", {"percentage": -5}, "percentage"),
    "percentage 62.555": ("grayscale", {"percentage": 62.555}, "percentage"),
    "a step of 101": ("grayscale", {"plan": plan((60, 5), (101, None))}, "plan.steps.1.percentage"),
    "a step of 0": ("grayscale", {"plan": plan((0, 5), (100, None))}, "plan.steps.0.percentage"),
    "a hold of 0": ("grayscale", {"plan": plan((60, 0), (100, None))}, "plan.steps.0.hold_minutes"),
    "a gate ratio of 0.5": (
        "grayscale",
        {"plan": {**plan((60, 5), (100, None)), "gate": {"max_failure_rate_ratio": 0.5}}},
        "plan.gate.max_failure_rate_ratio",
    ),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE))
def test_out_of_range_values_are_one_validation_error(
    client: TestClient, factory: Factory, case: str
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.approved("1.1.0")
    action, body, field = OUT_OF_RANGE[case]
    refused = problem(
        s.call("POST", f"/releases/{release_id}/{action}", json=body), 422, "validation_error"
    )
    assert field in refused["detail"], refused
    assert s.ok("GET", f"/releases/{release_id}")["status"] == "approved"


def test_other_endpoints_take_numbers_and_booleans_as_json_ones(
    client: TestClient, factory: Factory
) -> None:
    workspace, owner = factory.workspace()
    partner = factory.partner_app()
    _, key = factory.partner_key(partner)
    admin = factory.user(platform_admin=True)
    member = factory.member(workspace, "developer")
    event = {"app_id": "a", "version": "1.0.0", "release_id": "rel_x", "outcome": "ok"}
    refused = [
        (
            "POST",
            "/telemetry",
            {"events": [{**event, "count": "5"}]},
            {"Authorization": f"Bearer {key}"},
        ),
        (
            "POST",
            "/telemetry",
            {"events": [{**event, "count": 0}]},
            {"Authorization": f"Bearer {key}"},
        ),
        ("PATCH", f"/partner-apps/{partner.code}", {"grayscale_deadline_days": "7"}, admin.headers),
        ("PATCH", f"/partner-apps/{partner.code}", {"block_on_failing_report": 1}, admin.headers),
        (
            "PATCH",
            f"/workspaces/{workspace.id}/members/{member.id}",
            {"blocked": "true"},
            owner.headers,
        ),
        ("POST", "/users", {"email": "x@example.com", "platform_admin": "yes"}, admin.headers),
    ]
    for method, path, body, headers in refused:
        response = client.request(method, f"/api/v1{path}", json=body, headers=headers)
        problem(response, 422, "validation_error")
    # The same fields with JSON values are taken.
    accepted = client.post(
        "/api/v1/telemetry",
        json={"events": [{**event, "count": 5}]},
        headers={"Authorization": f"Bearer {key}"},
    )
    # Past the schema: the service looks the release up (there is none).
    refused_later = problem(accepted, 422, "validation_error")
    assert refused_later["errors"][0]["loc"] == ["body", "events", "0", "release_id"]
    patched = client.patch(
        f"/api/v1/partner-apps/{partner.code}",
        json={"grayscale_deadline_days": 7},
        headers=admin.headers,
    )
    assert patched.status_code == 200 and patched.json()["grayscale_deadline_days"] == 7


def _types_in(annotation: Any) -> Iterator[Any]:
    yield get_origin(annotation) or annotation
    for arg in get_args(annotation):
        yield from _types_in(arg)


def _bodies(cls: type[Body]) -> Iterator[type[Body]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _bodies(sub)


def test_every_request_body_field_takes_its_json_value() -> None:
    """Strict bodies check FastAPI's parsed JSON as Python values: an enum field opts out
    (its value arrives as text), and no field wants what JSON cannot give (a tuple, a set,
    a date: they would be refused whatever the caller sent)."""
    assert create_app  # every router, and so every body, is imported
    bodies = list(_bodies(Body))
    assert len(bodies) > 20
    for body in bodies:
        for name, field in body.model_fields.items():
            for kind in _types_in(field.annotation):
                where = f"{body.__name__}.{name}"
                assert kind not in (tuple, set, frozenset, dt.date, dt.datetime), where
                if isinstance(kind, type) and issubclass(kind, Enum):
                    assert Strict(False) in field.metadata, f"{where}: add Field(strict=False)"
