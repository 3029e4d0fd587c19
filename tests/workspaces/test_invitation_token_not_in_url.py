"""Issue 12: an invitation token never travels in a URL. It is accepted from the body
only; the old ``/invitations/{token}/accept`` is gone (404) and redeems nothing; no API
operation takes a secret as a path or query parameter."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.workspaces.helpers import InvitationRows, accept, invite

# Names of parameters that would carry a secret; ``token_id`` or ``key_id`` name ids.
_SECRET_PARAMETER = re.compile(r"(?i)^(token|secret|password|api_?key|key|session|csrf)$")


def test_the_old_path_with_the_token_is_gone_and_redeems_nothing(
    client: TestClient, factory: Factory, invitation_rows: InvitationRows
) -> None:
    workspace, owner = factory.workspace()
    token = invite(client, workspace, owner, "dana@example.com", "developer").json()["token"]

    old = client.post(f"/api/v1/invitations/{token}/accept")
    assert old.status_code == 404
    assert old.json()["code"] == "not_found"
    [row] = invitation_rows(workspace.id)
    assert row.accepted_at is None

    assert accept(client, token).status_code == 200
    [row] = invitation_rows(workspace.id)
    assert row.accepted_at is not None


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"token": "   "}, {"token": "x" * 201}, {"token": 7}],
    ids=["missing", "empty", "blank", "too-long", "not-a-string"],
)
def test_the_token_must_be_a_string_in_the_body(
    client: TestClient, factory: Factory, invitation_rows: InvitationRows, body: dict[str, Any]
) -> None:
    workspace, owner = factory.workspace()
    invite(client, workspace, owner, "dana@example.com", "developer")
    refused = client.post("/api/v1/invitations/accept", json=body)
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    [row] = invitation_rows(workspace.id)
    assert row.accepted_at is None


def test_the_token_in_a_query_string_is_not_read(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    token = invite(client, workspace, owner, "dana@example.com", "developer").json()["token"]
    refused = client.post("/api/v1/invitations/accept", params={"token": token}, json={})
    assert refused.status_code == 422


def test_no_operation_takes_a_secret_in_its_url(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    in_url = [
        (method, path, parameter["name"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] in ("path", "query") and _SECRET_PARAMETER.match(parameter["name"])
    ]
    assert in_url == []
    accept_operation = document["paths"]["/api/v1/invitations/accept"]["post"]
    assert "parameters" not in accept_operation
    assert accept_operation["requestBody"]["required"] is True
