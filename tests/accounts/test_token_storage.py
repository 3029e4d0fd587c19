"""API tokens are stored only as hashes: after a token is created through the API, no row
of any table holds its secret (nor its random part), and its row holds the sha256."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from tests.factories import Factory


def all_stored_text(connection: Connection) -> list[str]:
    """Every value of every row of every table in the database, as text."""
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    values = []
    for table in metadata.sorted_tables:
        for row in connection.execute(sa.select(table)):
            values.extend(str(value) for value in row if value is not None)
    return values


def test_created_token_is_stored_only_as_its_sha256(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    alice = factory.user("alice@example.com")
    created = client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=alice.headers)
    assert created.status_code == 201
    secret = created.json()["token"]
    random_part = secret.removeprefix("mr_")
    assert len(random_part) >= 32
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # audited, logged...

    stored = all_stored_text(connection)
    assert stored, "the scan read nothing"
    assert not [value for value in stored if random_part in value]
    token_hash = connection.execute(
        sa.text("SELECT token_hash FROM api_tokens WHERE id = :id"), {"id": created.json()["id"]}
    ).scalar_one()
    assert token_hash == hashlib.sha256(secret.encode()).hexdigest()
