"""/metrics after a real release flow in one process: launches by partner app, channel and
outcome with their latency; jobs timed by kind; builds, compatibility runs and webhook
deliveries counted once committed; and the gauges read from the database (job queue,
review queues, live grayscale percentages). Counters are compared before and after, as
the process's counters outlive one test; gauges are read from this test's database."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.releases.compat_runs import COMPAT_JOB
from minirelease.releases.service import BUILD_JOB
from minirelease.webhooks.outbox import DELIVERY_JOB
from tests.factories import Factory
from tests.observability.scrape import value
from tests.releases.flow import API, after_test, grayscale, released, scenario
from tests.releases.ramps import (
    MINUTE,
    at,
    partner_key,
    plan,
    ramp,
    reported,
    start_with_plan,
    tick,
)
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery_flow import register


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


def test_launches_are_counted_by_partner_app_channel_and_outcome(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    before = scrape(client)
    for user in ("alice", "bob", "carol"):
        assert s.launch(user).status_code == 200
    assert client.get(f"{API}/launch/{s.partner}/2099000000000000").status_code == 404
    # An unknown partner app is not a label value of its own: callers choose paths.
    assert client.get(f"{API}/launch/made-up-partner/{s.app_id}").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    served = {"partner_app": s.partner, "channel": "online", "outcome": "served"}
    assert delta("minirelease_launches_total", **served) == 3
    refused = {"partner_app": s.partner, "channel": "none", "outcome": "not_released"}
    assert delta("minirelease_launches_total", **refused) == 1
    assert delta("minirelease_launches_total", partner_app="other", outcome="not_released") == 1
    assert "made-up-partner" not in after
    assert delta("minirelease_launch_duration_seconds_count") == 5
    assert delta("minirelease_launch_duration_seconds_bucket", le="+Inf") == 5
    assert 0 < delta("minirelease_launch_duration_seconds_sum") < 5


def test_jobs_builds_and_compatibility_runs_once_committed(
    client: TestClient, factory: Factory
) -> None:
    before = scrape(client)
    s = scenario(client, factory)
    released(s, "1.0.0")  # one build and one compatibility run, through the job pool
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    for kind in (BUILD_JOB, COMPAT_JOB):
        assert delta("minirelease_job_duration_seconds_count", kind=kind, outcome="succeeded") == 1
    assert delta("minirelease_builds_finished_total", outcome="succeeded") == 1
    assert delta("minirelease_builds_finished_total", outcome="failed") == 0
    runs = [
        delta("minirelease_compatibility_runs_finished_total", result=result)
        for result in ("pass", "warn", "fail", "error")
    ]
    assert sum(runs) == 1


def test_a_webhook_delivery_is_counted(
    client: TestClient, factory: Factory, receiver: Receiver
) -> None:
    s = scenario(client, factory)
    register(s, receiver)
    before = scrape(client)
    s.upload("1.0.0")  # version.uploaded: one delivery
    s.run_jobs()
    after = scrape(client)
    delivered = len(receiver.successes())
    assert delivered >= 1

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("minirelease_webhook_deliveries_finished_total", outcome="succeeded") == delivered
    assert delta("minirelease_webhook_attempts_total", outcome="succeeded") == delivered
    assert delta("minirelease_webhook_attempts_total", outcome="failed") == 0
    assert (
        delta("minirelease_job_duration_seconds_count", kind=DELIVERY_JOB, outcome="succeeded")
        == delivered
    )


def test_gauges_read_the_shared_state(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    in_gray = grayscale(s, "1.1.0", 12.5)
    other = scenario(client, factory)
    other.upload("1.0.0")
    reviewed = after_test(other, "1.0.0")
    other.ok("POST", f"/releases/{reviewed}/apply", json={})
    other.upload("1.0.1")
    other.release("1.0.1")  # its build job waits in the queue: jobs are run by hand here

    text = scrape(client)
    assert value(text, "minirelease_database_up") == 1
    assert value(text, "minirelease_jobs", kind=BUILD_JOB, status="queued") == 1
    assert value(text, "minirelease_jobs", kind=BUILD_JOB, status="running") == 0
    assert value(text, "minirelease_jobs_oldest_queued_age_seconds", kind=BUILD_JOB) >= 0
    assert "minirelease_jobs_oldest_queued_age_seconds{" in text
    assert value(text, "minirelease_review_queue_size", side="platform") == 1
    assert value(text, "minirelease_review_queue_size", side="partner") == 1
    labels = {"partner_app": s.partner, "app_id": s.app_id, "release_id": in_gray}
    assert value(text, "minirelease_grayscale_percentage", **labels, version="1.1.0") == 12.5

    other.review(reviewed, "platform", "approve")
    s.ok("POST", f"/releases/{in_gray}/grayscale", json={"percentage": 40})
    text = scrape(client)
    assert value(text, "minirelease_review_queue_size", side="platform") == 0
    assert value(text, "minirelease_review_queue_size", side="partner") == 1
    assert value(text, "minirelease_grayscale_percentage", **labels) == 40
    s.ok("POST", f"/releases/{in_gray}/halt")
    assert value(scrape(client), "minirelease_grayscale_percentage", **labels) == 0


def test_health_gate_evaluations_and_halts(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    online = released(s, "1.0.0")
    gate = {"max_failure_rate_ratio": 2, "max_failure_rate_delta": 0.01, "min_samples": 200}
    release_id = start_with_plan(s, "1.1.0", plan((1, 60), (100, None), gate=gate))
    key = partner_key(s)
    started = at(ramp(s, release_id)["step_started_at"])
    before = scrape(client)

    reported(s, key, release_id, "1.1.0", ok=50, crash=50)
    assert tick(session_factory, started + MINUTE) == []  # too few samples: waiting
    reported(s, key, release_id, "1.1.0", ok=100, crash=50)
    reported(s, key, online, "1.0.0", ok=9900, crash=100)
    moves = tick(session_factory, started + 2 * MINUTE)
    assert [m.move for m in moves] == ["halted"]
    s.ok("POST", f"/releases/{release_id}/resume")
    s.ok("POST", f"/releases/{release_id}/halt")  # by a person: not the gate's
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("minirelease_health_gate_evaluations_total", verdict="waiting") == 1
    assert delta("minirelease_health_gate_evaluations_total", verdict="failing") == 1
    assert delta("minirelease_health_gate_evaluations_total", verdict="passing") == 0
    assert delta("minirelease_health_gate_halts_total") == 1
