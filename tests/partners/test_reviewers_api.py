"""Partner reviewers (scoped to one partner app) and platform reviewers: only platform
admins appoint and remove them, each change is audited, and the role takes effect on
the reviewer's next request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.accounts.models import User
from minirelease.audit import AuditEvent
from minirelease.partners.models import PartnerApp, PartnerReviewer
from tests.factories import Actor, Factory

PLATFORM = "/api/v1/platform/reviewers"


def reviewers_url(code: str) -> str:
    return f"/api/v1/partner-apps/{code}/reviewers"


def counts(session_factory: sessionmaker[Any]) -> tuple[int, int, int]:
    """(partner reviewers, platform reviewers, audit events)."""
    with session_factory() as session:
        partner = session.scalar(select(func.count()).select_from(PartnerReviewer)) or 0
        platform = (
            session.scalar(select(func.count()).where(User.is_platform_reviewer.is_(True))) or 0
        )
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return partner, platform, events


def last_event(session_factory: sessionmaker[Any], action: str) -> AuditEvent:
    with session_factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None, f"no {action} event"
    return event


@pytest.fixture
def admin(factory: Factory) -> Actor:
    return factory.user(platform_admin=True)


@pytest.fixture
def wallet(factory: Factory) -> PartnerApp:
    return factory.partner_app(code="acme-wallet")


def test_partner_reviewer_is_added_listed_and_removed(
    client: TestClient,
    admin: Actor,
    wallet: PartnerApp,
    factory: Factory,
    session_factory: sessionmaker[Any],
) -> None:
    bob = factory.user("bob@example.com")
    assert client.get("/api/v1/me", headers=bob.headers).json()["partner_reviewer_of"] == []

    added = client.post(
        reviewers_url("acme-wallet"), json={"user_id": bob.id}, headers=admin.headers
    )
    assert added.status_code == 201, added.text
    assert added.json() == {"user_id": bob.id, "email": bob.email, "partner_app": "acme-wallet"}
    event = last_event(session_factory, "partner_reviewer.add")
    assert (event.actor, event.target_id, event.partner_app) == (admin.id, bob.id, "acme-wallet")
    assert event.before is None
    assert event.after == {"user_id": bob.id, "email": bob.email, "partner_app": "acme-wallet"}

    # The role is read from the table on each request: Bob's next request carries it.
    me = client.get("/api/v1/me", headers=bob.headers).json()
    assert me["partner_reviewer_of"] == ["acme-wallet"]

    for caller in (admin, bob):
        listed = client.get(reviewers_url("acme-wallet"), headers=caller.headers)
        assert listed.status_code == 200
        assert listed.json()["items"] == [added.json()]

    removed = client.delete(f"{reviewers_url('acme-wallet')}/{bob.id}", headers=admin.headers)
    assert removed.status_code == 204
    assert removed.content == b""
    event = last_event(session_factory, "partner_reviewer.remove")
    assert event.before == {"user_id": bob.id, "email": bob.email, "partner_app": "acme-wallet"}
    assert event.after is None
    assert client.get("/api/v1/me", headers=bob.headers).json()["partner_reviewer_of"] == []
    assert client.get(reviewers_url("acme-wallet"), headers=admin.headers).json()["items"] == []

    again = client.delete(f"{reviewers_url('acme-wallet')}/{bob.id}", headers=admin.headers)
    assert again.status_code == 404
    assert bob.id in again.json()["detail"]


def test_reviewers_of_one_app_may_not_list_another_apps_reviewers(
    client: TestClient, wallet: PartnerApp, factory: Factory
) -> None:
    other = factory.partner_app(code="other-wallet")
    other_reviewer = factory.partner_reviewer(other)
    factory.partner_reviewer(wallet)
    for caller in (other_reviewer, factory.user(), factory.user(platform_reviewer=True)):
        refused = client.get(reviewers_url("acme-wallet"), headers=caller.headers)
        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"


def test_adding_partner_reviewers_refuses_unknown_and_duplicate(
    client: TestClient,
    admin: Actor,
    wallet: PartnerApp,
    factory: Factory,
    session_factory: sessionmaker[Any],
) -> None:
    bob = factory.partner_reviewer(wallet)
    before = counts(session_factory)

    unknown_user = client.post(
        reviewers_url("acme-wallet"), json={"user_id": "usr_missing"}, headers=admin.headers
    )
    assert unknown_user.status_code == 404
    assert unknown_user.json()["detail"] == "user 'usr_missing' not found"

    unknown_app = client.post(
        reviewers_url("nope"), json={"user_id": bob.id}, headers=admin.headers
    )
    assert unknown_app.status_code == 404
    assert "partner app 'nope'" in unknown_app.json()["detail"]
    assert client.get(reviewers_url("nope"), headers=admin.headers).status_code == 404
    assert (
        client.delete(f"{reviewers_url('nope')}/{bob.id}", headers=admin.headers).status_code == 404
    )

    duplicate = client.post(
        reviewers_url("acme-wallet"), json={"user_id": bob.id}, headers=admin.headers
    )
    assert duplicate.status_code == 409
    assert bob.email in duplicate.json()["detail"]
    assert counts(session_factory) == before


def test_platform_reviewer_is_added_listed_and_removed(
    client: TestClient, admin: Actor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    carol = factory.user("carol@example.com")
    added = client.post(PLATFORM, json={"user_id": carol.id}, headers=admin.headers)
    assert added.status_code == 201, added.text
    assert added.json() == {"user_id": carol.id, "email": carol.email}
    assert client.get("/api/v1/me", headers=carol.headers).json()["is_platform_reviewer"] is True
    event = last_event(session_factory, "platform_reviewer.add")
    assert (event.actor, event.target_type, event.target_id) == (admin.id, "user", carol.id)
    assert event.before == {"email": carol.email, "is_platform_reviewer": False}
    assert event.after == {"email": carol.email, "is_platform_reviewer": True}

    assert client.get(PLATFORM, headers=admin.headers).json()["items"] == [added.json()]

    removed = client.delete(f"{PLATFORM}/{carol.id}", headers=admin.headers)
    assert removed.status_code == 204
    assert client.get("/api/v1/me", headers=carol.headers).json()["is_platform_reviewer"] is False
    event = last_event(session_factory, "platform_reviewer.remove")
    assert event.before == {"email": carol.email, "is_platform_reviewer": True}
    assert event.after == {"email": carol.email, "is_platform_reviewer": False}
    assert client.get(PLATFORM, headers=admin.headers).json()["items"] == []


def test_platform_reviewers_refuse_unknown_duplicate_and_missing(
    client: TestClient, admin: Actor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    dave = factory.user(platform_reviewer=True)
    erin = factory.user()
    before = counts(session_factory)
    unknown = client.post(PLATFORM, json={"user_id": "usr_missing"}, headers=admin.headers)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "user 'usr_missing' not found"
    duplicate = client.post(PLATFORM, json={"user_id": dave.id}, headers=admin.headers)
    assert duplicate.status_code == 409
    assert dave.email in duplicate.json()["detail"]
    not_reviewer = client.delete(f"{PLATFORM}/{erin.id}", headers=admin.headers)
    assert not_reviewer.status_code == 404
    assert not_reviewer.json()["detail"] == f"user {erin.id!r} is not a platform reviewer"
    assert client.delete(f"{PLATFORM}/usr_missing", headers=admin.headers).status_code == 404
    assert counts(session_factory) == before


@pytest.mark.parametrize("who", ["plain", "owner", "platform_reviewer", "partner_reviewer"])
def test_non_admins_may_not_appoint_or_remove_reviewers(
    client: TestClient,
    wallet: PartnerApp,
    factory: Factory,
    session_factory: sessionmaker[Any],
    who: str,
) -> None:
    target = factory.user()
    existing_partner = factory.partner_reviewer(wallet)
    existing_platform = factory.user(platform_reviewer=True)
    caller = {
        "plain": lambda: factory.user(),
        "owner": lambda: factory.workspace()[1],
        "platform_reviewer": lambda: factory.user(platform_reviewer=True),
        "partner_reviewer": lambda: factory.partner_reviewer(wallet),
    }[who]()
    before = counts(session_factory)
    body = {"user_id": target.id}
    for response in (
        client.post(reviewers_url("acme-wallet"), json=body, headers=caller.headers),
        client.delete(
            f"{reviewers_url('acme-wallet')}/{existing_partner.id}", headers=caller.headers
        ),
        client.post(PLATFORM, json=body, headers=caller.headers),
        client.get(PLATFORM, headers=caller.headers),
        client.delete(f"{PLATFORM}/{existing_platform.id}", headers=caller.headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission_denied"
    assert counts(session_factory) == before


def test_reviewer_endpoints_need_authentication(
    client: TestClient, wallet: PartnerApp, factory: Factory
) -> None:
    user = factory.user()
    for headers in ({}, {"Authorization": "Bearer revoked-or-made-up"}):
        for response in (
            client.post(reviewers_url("acme-wallet"), json={"user_id": user.id}, headers=headers),
            client.get(reviewers_url("acme-wallet"), headers=headers),
            client.delete(f"{reviewers_url('acme-wallet')}/{user.id}", headers=headers),
            client.post(PLATFORM, json={"user_id": user.id}, headers=headers),
            client.get(PLATFORM, headers=headers),
            client.delete(f"{PLATFORM}/{user.id}", headers=headers),
        ):
            assert response.status_code == 401
            assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "body.user_id: Field required"),
        ({"user_id": 42}, "body.user_id: Input should be a valid string"),
        ({"user_id": ""}, "body.user_id: String should have at least 1 character"),
        ({"user_id": "x" * 41}, "body.user_id: String should have at most 40 characters"),
        ({"user_id": "usr_x", "role": "admin"}, "body.role: Extra inputs are not permitted"),
    ],
)
@pytest.mark.parametrize("url", [reviewers_url("acme-wallet"), PLATFORM])
def test_malformed_reviewer_bodies_are_422(
    client: TestClient,
    admin: Actor,
    wallet: PartnerApp,
    session_factory: sessionmaker[Any],
    url: str,
    body: dict[str, Any],
    detail: str,
) -> None:
    before = counts(session_factory)
    response = client.post(url, json=body, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["detail"] == detail
    assert counts(session_factory) == before
