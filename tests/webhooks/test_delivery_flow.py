"""Events of a real release flow reach a real receiver on 127.0.0.1, signed, in order, each
derived from the audit event of its change; pings, redeliveries, rotations and
subscriptions behave as documented."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.webhooks.models import WebhookDelivery
from tests.factories import Factory
from tests.releases.flow import API, Scenario, problem, released, scenario
from tests.webhooks.receiver import Receiver


def register(s: Scenario, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    workspace_id = s.ok("GET", f"/mini-programs/{s.mini_program_id}", s.owner)["workspace_id"]
    created: dict[str, Any] = s.ok(
        "POST",
        f"/workspaces/{workspace_id}/webhooks",
        s.owner,
        json={"url": receiver.url + "/hook", "events": events or ["*"]},
    )
    receiver.secrets.append(created["secret"])
    return created


def deliveries(s: Scenario, webhook_id: str) -> list[dict[str, Any]]:
    page = s.ok("GET", f"/webhooks/{webhook_id}/deliveries?limit=200", s.owner)
    items: list[dict[str, Any]] = page["items"]
    return items


def test_a_release_flow_sends_its_events_in_order_signed(
    client: TestClient, factory: Factory, receiver: Receiver
) -> None:
    s = scenario(client, factory)
    webhook = register(s, receiver)
    first = released(s, "1.0.0")
    s.upload("1.1.0")
    release_id = s.release("1.1.0")
    s.run_jobs()
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    s.run_jobs()
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    s.review(release_id, "platform", "reject", "the icon is blurred")
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    s.review(release_id, "platform", "approve")
    s.review(release_id, "partner", "approve")
    s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 10})
    s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 30})
    s.ok("POST", f"/releases/{release_id}/pause")
    s.ok("POST", f"/releases/{release_id}/resume")
    s.ok("POST", f"/releases/{release_id}/halt")
    s.ok("POST", f"/releases/{release_id}/resume")
    # A refused change writes no audit event, so no delivery either.
    problem(s.call("POST", f"/releases/{release_id}/resume"), 409, "invalid_transition")
    s.ok("POST", f"/releases/{release_id}/full-release")
    s.ok("POST", f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}/rollback", json={})
    s.run_jobs()

    first_release = [
        "version.uploaded",
        "build.succeeded",
        "compatibility_run.finished",
        "review.requested",
        "review.approved",
        "review.approved",
        "release.released",
    ]
    assert receiver.types() == [
        *first_release,
        "version.uploaded",
        "build.succeeded",
        "compatibility_run.finished",
        "review.requested",
        "review.rejected",
        "review.requested",
        "review.approved",
        "review.approved",
        "release.grayscale",
        "release.grayscale",
        "release.paused",
        "release.resumed",
        "release.halted",
        "release.resumed",
        "release.released",
        "release.rolled_back",
    ]
    got = receiver.received
    assert all(r.verified for r in got), [r.headers for r in got if not r.verified]
    assert len({r.msg_id for r in got}) == len(got)  # one delivery each

    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in got:
        by_type.setdefault(r.payload["type"], []).append(r.payload)
    for payload in got:
        data = payload.payload["data"]
        assert data["mini_program_id"] == s.mini_program_id and data["partner_app"] in (
            s.partner,
            None,
        )
        assert payload.payload["timestamp"].endswith("Z")
    assert by_type["version.uploaded"][1]["data"]["version"] == "1.1.0"
    assert by_type["release.released"][0]["data"]["release_id"] == first
    assert by_type["release.released"][1]["data"]["percentage"] == 100
    compat = by_type["compatibility_run.finished"][0]["data"]
    runs = s.ok("GET", f"/releases/{first}/compatibility-runs")["items"]
    assert compat["run_id"] == runs[0]["id"] and compat["release_id"] == first
    assert set(compat["summary"]["by_severity"]) == {"pass", "warn", "fail"}
    assert compat["summary"]["result"] in ("pass", "warn", "fail")
    assert compat["summary"]["cells"] == sum(compat["summary"]["by_severity"].values())
    rejected = by_type["review.rejected"][0]["data"]
    assert (rejected["side"], rejected["reason"]) == ("platform", "the icon is blurred")
    assert [p["data"]["percentage"] for p in by_type["release.grayscale"]] == [10, 30]
    assert by_type["release.halted"][0]["data"]["reason"] is None  # halted by a person
    assert by_type["release.rolled_back"][0]["data"]["restored_version"] == "1.0.0"

    # The delivery log has one succeeded delivery per event, its id the webhook-id sent.
    log = deliveries(s, webhook["id"])
    assert len(log) == len(got)
    assert {d["id"] for d in log} == {r.msg_id for r in got}
    assert all(d["status"] == "succeeded" and d["attempts"] == 1 for d in log)
    assert all(d["last_status_code"] == 200 and d["last_duration_ms"] >= 0 for d in log)


def test_only_subscribed_events_of_enabled_endpoints_are_sent(
    client: TestClient, factory: Factory, receiver: Receiver
) -> None:
    s = scenario(client, factory)
    only_releases = register(s, receiver, ["release.released"])
    disabled = register(s, receiver, ["*"])
    s.ok("PATCH", f"/webhooks/{disabled['id']}", s.owner, json={"enabled": False})
    released(s, "1.0.0")
    s.run_jobs()
    assert receiver.types() == ["release.released"]
    assert len(deliveries(s, only_releases["id"])) == 1
    assert deliveries(s, disabled["id"]) == []


def test_ping_redeliver_and_a_rotation_signing_with_both_secrets(
    client: TestClient,
    factory: Factory,
    receiver: Receiver,
    session_factory: sessionmaker[Any],
) -> None:
    s = scenario(client, factory)
    webhook = register(s, receiver)
    old_secret = webhook["secret"]
    pinged = s.ok("POST", f"/webhooks/{webhook['id']}/ping", s.owner)
    assert pinged["event_type"] == "webhook.ping" and pinged["status"] == "pending"
    s.run_jobs()
    [ping] = receiver.received
    assert ping.verified and ping.payload["type"] == "webhook.ping"
    assert ping.payload["data"]["webhook_id"] == webhook["id"]

    detail = s.ok("GET", f"/webhooks/{webhook['id']}/deliveries/{pinged['id']}", s.owner)
    assert detail["status"] == "succeeded" and detail["payload"] == ping.payload
    [attempt] = detail["attempt_log"]
    assert attempt["succeeded"] and attempt["status_code"] == 200
    assert attempt["response_body"] == '{"status": 200}'

    rotated = s.ok("POST", f"/webhooks/{webhook['id']}/rotate-secret", s.owner)
    again = s.ok("POST", f"/webhooks/{webhook['id']}/deliveries/{pinged['id']}/redeliver", s.owner)
    assert again["id"] != pinged["id"] and again["redelivery_of"] == pinged["id"]
    s.run_jobs()
    redelivered = receiver.received[1]
    assert redelivered.body == ping.body and redelivered.msg_id == again["id"]
    # Signed with the new and the old secret: a receiver holding either one accepts it.
    assert len(redelivered.headers["webhook-signature"].split(" ")) == 2
    receiver.secrets[:] = [rotated["secret"]]
    assert receiver.verified_with(redelivered.headers, redelivered.body)
    receiver.secrets[:] = [old_secret]
    assert receiver.verified_with(redelivered.headers, redelivered.body)

    actions = s.ok("GET", f"/audit?workspace_id={ping.payload['data']['workspace_id']}", s.owner)
    assert {"webhook.create", "webhook.ping", "webhook.rotate_secret", "webhook.redeliver"} <= {
        e["action"] for e in actions["items"]
    }
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2
    unknown = client.get(f"{API}/webhooks/{webhook['id']}/deliveries/nope", headers=s.owner.headers)
    problem(unknown, 404, "not_found")
