from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory


def test_unauthenticated_requests_get_401_problem(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


def test_token_is_shown_once_and_can_be_revoked(client: TestClient, factory: Factory) -> None:
    alice = factory.user("alice@example.com")
    created = client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=alice.headers)
    assert created.status_code == 201
    secret = created.json()["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).json()["email"] == "alice@example.com"
    listed = client.get("/api/v1/me/tokens", headers=alice.headers).json()["items"]
    assert all("token" not in t for t in listed)
    revoked = client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=alice.headers)
    assert revoked.status_code == 200
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_only_platform_admins_create_users(client: TestClient, factory: Factory) -> None:
    admin = factory.user(platform_admin=True)
    bob = factory.user()
    refused = client.post("/api/v1/users", json={"email": "x@example.com"}, headers=bob.headers)
    assert refused.status_code == 403
    made = client.post("/api/v1/users", json={"email": "X@Example.com"}, headers=admin.headers)
    assert made.status_code == 201
    assert made.json()["email"] == "x@example.com"
    again = client.post("/api/v1/users", json={"email": "x@example.com"}, headers=admin.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
