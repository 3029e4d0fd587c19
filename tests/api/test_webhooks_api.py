"""The webhooks API (issue 10): owners and masters register, list, read, change, delete
endpoints and rotate their secrets; the secret is shown only when it is made; every change
is audited; private destinations are refused by default (the server's default setting)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.webhooks.models import Webhook, WebhookDelivery
from tests.factories import Actor, Factory
from tests.releases.flow import problem

API = "/api/v1"
PUBLIC_URL = "https://93.184.216.34/hooks/minirelease"  # an address literal: no DNS needed


def _create(client: TestClient, actor: Actor, workspace_id: str, **body: Any) -> Any:
    body = {"url": PUBLIC_URL, "events": ["*"], **body}
    return client.post(
        f"{API}/workspaces/{workspace_id}/webhooks", json=body, headers=actor.headers
    )


def _audit(session_factory: sessionmaker[Any], target_id: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.target_id == target_id).order_by(AuditEvent.id)
            )
        )


def test_crud_with_the_secret_shown_once_and_every_change_audited(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    workspace, owner = factory.workspace()
    created = _create(
        client, owner, workspace.id, events=["release.released", "build.failed"], description="CI"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["release.released", "build.failed"]
    assert body["url"] == PUBLIC_URL and body["enabled"] is True and body["description"] == "CI"
    webhook_id = body["id"]

    read = client.get(f"{API}/webhooks/{webhook_id}", headers=owner.headers)
    assert read.status_code == 200 and "secret" not in read.json()
    listed = client.get(f"{API}/workspaces/{workspace.id}/webhooks", headers=owner.headers).json()
    assert [w["id"] for w in listed["items"]] == [webhook_id] and listed["next_cursor"] is None
    assert "secret" not in listed["items"][0]

    changed = client.patch(
        f"{API}/webhooks/{webhook_id}",
        json={"events": ["*"], "enabled": False, "description": "all of it"},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["*"] and changed.json()["enabled"] is False

    rotated = client.post(f"{API}/webhooks/{webhook_id}/rotate-secret", headers=owner.headers)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != body["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert client.get(f"{API}/webhooks/{webhook_id}", headers=owner.headers).json()[
        "previous_secret_expires_at"
    ]

    deleted = client.delete(f"{API}/webhooks/{webhook_id}", headers=owner.headers)
    assert deleted.status_code == 204
    gone = client.get(f"{API}/webhooks/{webhook_id}", headers=owner.headers)
    problem(gone, 404, "not_found")

    events = _audit(session_factory, webhook_id)
    assert [e.action for e in events] == [
        "webhook.create",
        "webhook.update",
        "webhook.rotate_secret",
        "webhook.delete",
    ]
    assert all(e.workspace_id == workspace.id and e.actor == owner.id for e in events)
    assert events[1].before == {**events[0].after, "url": PUBLIC_URL} and events[1].after == {
        "url": PUBLIC_URL,
        "events": ["*"],
        "description": "all of it",
        "enabled": False,
    }
    # Secrets are never written to the audit log.
    for event in events:
        text = repr(event.before) + repr(event.after)
        assert body["secret"] not in text and new_secret not in text


def test_a_chosen_secret_is_kept(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    created = _create(client, owner, workspace.id, secret=secret)
    assert created.status_code == 201 and created.json()["secret"] == secret


def test_masters_manage_webhooks_developers_and_outsiders_do_not(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    workspace, owner = factory.workspace()
    master = factory.member(workspace, "master")
    developer = factory.member(workspace, "developer")
    outsider = factory.user()
    admin = factory.user(platform_admin=True)
    assert _create(client, master, workspace.id).status_code == 201
    problem(_create(client, developer, workspace.id), 403, "permission_denied")
    problem(_create(client, admin, workspace.id), 403, "permission_denied")
    problem(_create(client, outsider, workspace.id), 404, "not_found")
    webhook_id = _create(client, owner, workspace.id).json()["id"]
    for path, method in [
        (f"/webhooks/{webhook_id}", "GET"),
        (f"/webhooks/{webhook_id}", "DELETE"),
        (f"/webhooks/{webhook_id}/rotate-secret", "POST"),
        (f"/webhooks/{webhook_id}/ping", "POST"),
        (f"/webhooks/{webhook_id}/deliveries", "GET"),
        (f"/workspaces/{workspace.id}/webhooks", "GET"),
    ]:
        problem(
            client.request(method, API + path, headers=developer.headers), 403, "permission_denied"
        )
        problem(client.request(method, API + path, headers=outsider.headers), 404, "not_found")
    problem(client.get(f"{API}/webhooks/{webhook_id}"), 401, "unauthenticated")
    # The refusals changed nothing: one webhook each by the master and the owner, no delivery.
    with session_factory() as session:
        assert len(session.scalars(select(Webhook)).all()) == 2
        assert session.scalars(select(WebhookDelivery)).all() == []


def test_validation_errors(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    for body, fragment in [
        ({"events": []}, "events"),
        ({"events": ["release.exploded"]}, "unknown event type 'release.exploded'"),
        ({"secret": "not-a-secret"}, "whsec_"),
        ({"secret": "whsec_c2hvcnQ="}, "24 to 64 bytes"),
        ({"url": "ftp://93.184.216.34/"}, "https"),
        ({"description": "d" * 501}, "description"),
        ({"colour": "red"}, "colour"),
    ]:
        refused = _create(client, owner, workspace.id, **body)
        assert refused.status_code == 422, (body, refused.text)
        assert fragment in refused.json()["detail"] or fragment in refused.text, refused.text
    webhook_id = _create(client, owner, workspace.id).json()["id"]
    bad = client.patch(
        f"{API}/webhooks/{webhook_id}", json={"events": ["nope"]}, headers=owner.headers
    )
    problem(bad, 422, "validation_error")


def test_private_destinations_are_refused_at_registration_and_on_change(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    workspace, owner = factory.workspace()
    for url in [
        "https://127.0.0.1/hook",
        "http://127.0.0.1:8080/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
    ]:
        refused = problem(_create(client, owner, workspace.id, url=url), 422, "webhook_url_refused")
        assert refused["title"] == "Webhook URL refused"
    webhook_id = _create(client, owner, workspace.id).json()["id"]
    moved = client.patch(
        f"{API}/webhooks/{webhook_id}", json={"url": "https://192.168.1.20/"}, headers=owner.headers
    )
    problem(moved, 422, "webhook_url_refused")
    with session_factory() as session:
        stored = session.get(Webhook, webhook_id)
        assert stored is not None and stored.url == PUBLIC_URL


def test_webhooks_list_in_pages(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    made = [_create(client, owner, workspace.id).json()["id"] for _ in range(3)]
    url = f"{API}/workspaces/{workspace.id}/webhooks"
    first = client.get(url, params={"limit": 2}, headers=owner.headers).json()
    second = client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner.headers
    ).json()
    assert [w["id"] for w in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None


def test_webhooks_of_another_workspace_are_not_found(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    other_workspace, other_owner = factory.workspace()
    webhook_id = _create(client, owner, workspace.id).json()["id"]
    problem(
        client.get(f"{API}/webhooks/{webhook_id}", headers=other_owner.headers), 404, "not_found"
    )
    assert other_workspace.id != workspace.id
