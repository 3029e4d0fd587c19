"""Partner app keys (issue 5): created by platform admins and the partner app's own
reviewers, the secret shown once and stored only as its sha256, listed without secrets,
revoked at once; each change audited, never with the secret."""

from __future__ import annotations

import hashlib
import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.audit import AuditEvent
from minirelease.telemetry.keys import MAX_ACTIVE_KEYS
from minirelease.telemetry.models import PartnerAppKey
from tests.factories import Factory
from tests.releases.flow import problem, scenario

API = "/api/v1"


def test_a_key_is_shown_once_and_stored_hashed(
    client: TestClient, factory: Factory, session: Session
) -> None:
    s = scenario(client, factory)
    created = s.ok("POST", f"/partner-apps/{s.partner}/keys", s.admin, json={"name": " backend "})
    secret = created["key"]
    assert secret.startswith("mrk_") and len(secret) > 40
    assert created["name"] == "backend" and created["hint"] == secret[:8]
    assert created["created_by"] == s.admin.id and created["revoked_at"] is None
    row = session.get(PartnerAppKey, created["id"])
    assert row is not None and row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    listed = s.ok("GET", f"/partner-apps/{s.partner}/keys", s.admin)["items"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    events = session.scalars(select(AuditEvent).where(AuditEvent.target_id == created["id"]))
    (event,) = events
    assert (event.actor, event.action, event.partner_app) == (
        s.admin.id,
        "partner_key.create",
        s.partner,
    )
    assert secret not in json.dumps([event.before, event.after])
    assert (
        secret[8:]
        not in client.get(f"{API}/partner-apps/{s.partner}/keys", headers=s.admin.headers).text
    )


def test_revoking_is_immediate_and_idempotent(
    client: TestClient, factory: Factory, session: Session
) -> None:
    s = scenario(client, factory)
    key = s.ok("POST", f"/partner-apps/{s.partner}/keys", s.partner_reviewer, json={"name": "k"})
    path = f"/partner-apps/{s.partner}/keys/{key['id']}"
    revoked = s.ok("DELETE", path, s.partner_reviewer)
    assert revoked["revoked_at"] is not None and "key" not in revoked
    again = s.ok("DELETE", path, s.admin)
    assert again["revoked_at"] == revoked["revoked_at"]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == key["id"]).order_by(AuditEvent.id)
    ).all()
    assert actions == ["partner_key.create", "partner_key.revoke"]
    problem(
        client.post(
            f"{API}/telemetry",
            json={"events": []},
            headers={"Authorization": f"Bearer {key['key']}"},
        ),
        401,
        "unauthenticated",
    )


def test_who_may_manage_a_partner_apps_keys(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    other = scenario(client, factory)
    path = f"/partner-apps/{s.partner}/keys"
    for outsider in (s.owner, s.developer, s.platform_reviewer, other.partner_reviewer):
        problem(s.call("POST", path, outsider, json={"name": "k"}), 403, "permission_denied")
        problem(s.call("GET", path, outsider), 403, "permission_denied")
    problem(client.post(f"{API}{path}", json={"name": "k"}), 401, "unauthenticated")
    problem(s.call("GET", "/partner-apps/no-such-app/keys", s.admin), 404, "not_found")
    # A key is addressed through its own partner app only.
    key = s.ok("POST", path, s.admin, json={"name": "k"})
    problem(
        s.call("DELETE", f"/partner-apps/{other.partner}/keys/{key['id']}", s.admin),
        404,
        "not_found",
    )
    problem(
        s.call("DELETE", f"/partner-apps/{other.partner}/keys/{key['id']}", other.partner_reviewer),
        404,
        "not_found",
    )
    assert s.ok("GET", path, s.partner_reviewer)["items"][0]["revoked_at"] is None


def test_names_are_checked_and_active_keys_are_capped(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    path = f"/partner-apps/{s.partner}/keys"
    for name in ("", "   ", "x" * 101, "a\x00b"):
        problem(s.call("POST", path, s.admin, json={"name": name}), 422, "validation_error")
    problem(s.call("POST", path, s.admin, json={}), 422, "validation_error")
    keys = [s.ok("POST", path, s.admin, json={"name": f"k{n}"}) for n in range(MAX_ACTIVE_KEYS)]
    refused = problem(s.call("POST", path, s.admin, json={"name": "one more"}), 409, "conflict")
    assert "revoke one first" in refused["detail"]
    s.ok("DELETE", f"{path}/{keys[0]['id']}", s.admin)
    s.ok("POST", path, s.admin, json={"name": "one more"})
