"""Partner apps through the API: platform admins create and change them, every
authenticated user reads them, and refused requests leave nothing behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.models import PartnerApp
from tests.factories import Actor, Factory

URL = "/api/v1/partner-apps"
MIB = 1024 * 1024


def new_app(code: str = "acme-wallet", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": "Acme Wallet",
        "deep_link_template": "acme://mini?appId={app_id}&page={page}&query={query}",
        "capability_profile": shipped_profile("wallet"),
    }
    body.update(fields)
    return body


def counts(session_factory: sessionmaker[Any]) -> tuple[int, int]:
    """(partner apps, audit events): what a refused request must leave unchanged."""
    with session_factory() as session:
        apps = session.scalar(select(func.count()).select_from(PartnerApp))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    return apps or 0, events or 0


def audit_events(session_factory: sessionmaker[Any], action: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.fixture
def admin(factory: Factory) -> Actor:
    return factory.user(platform_admin=True)


def test_admin_creates_a_partner_app_with_defaults(
    client: TestClient, admin: Actor, session_factory: sessionmaker[Any]
) -> None:
    created = client.post(URL, json=new_app(), headers=admin.headers)
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["code"] == "acme-wallet"
    assert app["package_limits"] == {
        "main_package_bytes": 2 * MIB,
        "subpackage_bytes": 2 * MIB,
        "total_bytes": 8 * MIB,
    }
    assert app["block_on_failing_report"] is False
    assert app["grayscale_deadline_days"] == 15
    assert app["capability_profile"] == shipped_profile("wallet")
    assert app["created_at"] and app["updated_at"]

    [event] = audit_events(session_factory, "partner_app.create")
    assert event.actor == admin.id
    assert event.target_id == app["id"]
    assert event.partner_app == "acme-wallet"
    assert event.before is None
    assert event.after is not None
    assert event.after["code"] == "acme-wallet"
    assert event.after["capability_profile"] == shipped_profile("wallet")


def test_admin_sets_every_field_on_create(client: TestClient, admin: Actor) -> None:
    body = new_app(
        package_limits={"total_bytes": 16 * MIB, "main_package_bytes": 4 * MIB},
        block_on_failing_report=True,
        grayscale_deadline_days=30,
        capability_profile=shipped_profile("lean_wallet"),
    )
    app = client.post(URL, json=body, headers=admin.headers).json()
    assert app["package_limits"] == {
        "main_package_bytes": 4 * MIB,
        "subpackage_bytes": 2 * MIB,
        "total_bytes": 16 * MIB,
    }
    assert app["block_on_failing_report"] is True
    assert app["grayscale_deadline_days"] == 30
    assert app["capability_profile"] == shipped_profile("lean_wallet")


def test_every_authenticated_user_lists_and_reads_partner_apps(
    client: TestClient, admin: Actor, factory: Factory
) -> None:
    for code in ("zeta-pay", "alpha-pay"):
        assert client.post(URL, json=new_app(code), headers=admin.headers).status_code == 201
    developer = factory.user()
    listed = client.get(URL, headers=developer.headers)
    assert listed.status_code == 200
    assert [app["code"] for app in listed.json()["items"]] == ["alpha-pay", "zeta-pay"]
    one = client.get(f"{URL}/zeta-pay", headers=developer.headers)
    assert one.status_code == 200
    assert one.json()["capability_profile"]["os_versions"]["ios"]


def test_unknown_code_is_404(client: TestClient, admin: Actor) -> None:
    for response in (
        client.get(f"{URL}/nope", headers=admin.headers),
        client.patch(f"{URL}/nope", json={"name": "x"}, headers=admin.headers),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "'nope'" in response.json()["detail"]


def test_duplicate_code_is_409_and_writes_nothing(
    client: TestClient, admin: Actor, session_factory: sessionmaker[Any]
) -> None:
    client.post(URL, json=new_app(), headers=admin.headers)
    before = counts(session_factory)
    again = client.post(URL, json=new_app(name="Other"), headers=admin.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert "acme-wallet" in again.json()["detail"]
    assert counts(session_factory) == before


@pytest.mark.parametrize("who", ["plain", "owner", "platform_reviewer", "partner_reviewer"])
def test_non_admins_may_not_create_or_change(
    client: TestClient,
    admin: Actor,
    factory: Factory,
    session_factory: sessionmaker[Any],
    who: str,
) -> None:
    existing = factory.partner_app(code="existing")
    caller = {
        "plain": lambda: factory.user(),
        "owner": lambda: factory.workspace()[1],
        "platform_reviewer": lambda: factory.user(platform_reviewer=True),
        "partner_reviewer": lambda: factory.partner_reviewer(existing),
    }[who]()
    before = counts(session_factory)
    for response in (
        client.post(URL, json=new_app(), headers=caller.headers),
        client.patch(f"{URL}/existing", json={"name": "Mine"}, headers=caller.headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission_denied"
    assert counts(session_factory) == before
    assert client.get(f"{URL}/existing", headers=admin.headers).json()["name"] == existing.name


def test_unauthenticated_requests_are_401(client: TestClient, factory: Factory) -> None:
    factory.partner_app(code="existing")
    bad_token = {"Authorization": "Bearer not-a-token"}
    for headers in ({}, bad_token):
        for response in (
            client.get(URL, headers=headers),
            client.get(f"{URL}/existing", headers=headers),
            client.post(URL, json=new_app(), headers=headers),
            client.patch(f"{URL}/existing", json={"name": "x"}, headers=headers),
        ):
            assert response.status_code == 401
            assert response.json()["code"] == "unauthenticated"


MALFORMED_CREATES = [
    (new_app(code=123), "body.code"),
    (new_app(code="Acme_Wallet"), 'code: "Acme_Wallet" is not a partner app code'),
    (new_app(code="a"), 'code: "a" is not a partner app code'),
    (new_app(name=""), "name: "),
    (new_app(name=["Acme"]), "body.name"),
    (new_app(colour="blue"), "body.colour: Extra inputs are not permitted"),
    (new_app(deep_link_template="acme://mini"), "must contain {app_id}"),
    (new_app(deep_link_template="mini?id={app_id}"), "has no scheme"),
    (new_app(deep_link_template="acme://{app_id}?u={user}"), "unknown placeholder(s) {user}"),
    (new_app(package_limits={"total_bytes": -1}), "package_limits.total_bytes: -1 must be"),
    (new_app(package_limits={"total_bytes": "8MiB"}), "package_limits.total_bytes: expected"),
    (new_app(package_limits={"main_package_bytes": 9 * MIB}), "exceeds package_limits.total"),
    (new_app(package_limits={"entries": 5}), "unknown limit(s) entries"),
    (new_app(package_limits=[1]), "body.package_limits"),
    (new_app(grayscale_deadline_days=0), "grayscale_deadline_days: 0 must be"),
    (new_app(grayscale_deadline_days=91), "grayscale_deadline_days: 91 must be"),
    (new_app(grayscale_deadline_days="15"), "body.grayscale_deadline_days"),
    (new_app(block_on_failing_report="yes"), "body.block_on_failing_report"),
    (new_app(capability_profile=None), "body.capability_profile"),
    (new_app(capability_profile={"jsapis": []}), "missing key(s) components, os_versions"),
    (
        new_app(capability_profile={**shipped_profile("wallet"), "jsapis": ["wx.request"]}),
        'capability_profile.jsapis[0]: "wx.request" is not a JSAPI name',
    ),
    (
        new_app(capability_profile={**shipped_profile("wallet"), "components": ["Map"]}),
        'capability_profile.components[0]: "Map" is not a component name',
    ),
    (
        new_app(capability_profile={**shipped_profile("wallet"), "os_versions": {"tizen": ["5"]}}),
        "unknown platform(s) tizen",
    ),
    (
        new_app(capability_profile={**shipped_profile("wallet"), "os_versions": {}}),
        "support at least one OS version",
    ),
    ({k: v for k, v in new_app().items() if k != "code"}, "body.code: Field required"),
    ([new_app()], "body: Input should be a valid dictionary"),
]


@pytest.mark.parametrize(("body", "detail"), MALFORMED_CREATES)
def test_malformed_creates_are_422_and_write_nothing(
    client: TestClient,
    admin: Actor,
    session_factory: sessionmaker[Any],
    body: object,
    detail: str,
) -> None:
    before = counts(session_factory)
    response = client.post(URL, json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "validation_error"
    assert detail in problem["detail"]
    assert counts(session_factory) == before


def test_patch_changes_only_the_given_fields_and_audits_them(
    client: TestClient, admin: Actor, session_factory: sessionmaker[Any]
) -> None:
    created = client.post(URL, json=new_app(), headers=admin.headers).json()
    patched = client.patch(
        f"{URL}/acme-wallet",
        json={"name": "Acme Pay", "package_limits": {"total_bytes": 12 * MIB}},
        headers=admin.headers,
    )
    assert patched.status_code == 200, patched.text
    app = patched.json()
    assert app["name"] == "Acme Pay"
    assert app["package_limits"]["total_bytes"] == 12 * MIB
    assert app["package_limits"]["main_package_bytes"] == 2 * MIB
    assert app["deep_link_template"] == created["deep_link_template"]
    assert parse_time(app["updated_at"]) > parse_time(created["updated_at"])

    [event] = audit_events(session_factory, "partner_app.update")
    assert event.actor == admin.id
    assert event.before == {"name": "Acme Wallet", "package_limits": created["package_limits"]}
    assert event.after == {"name": "Acme Pay", "package_limits": app["package_limits"]}


def test_patch_of_every_setting(client: TestClient, admin: Actor) -> None:
    client.post(URL, json=new_app(), headers=admin.headers)
    changes = {
        "deep_link_template": "https://acme.example/mini/{app_id}",
        "block_on_failing_report": True,
        "grayscale_deadline_days": 7,
        "capability_profile": shipped_profile("super_app"),
    }
    app = client.patch(f"{URL}/acme-wallet", json=changes, headers=admin.headers).json()
    assert {key: app[key] for key in changes} == changes
    assert client.get(f"{URL}/acme-wallet", headers=admin.headers).json() == app


def test_patch_with_unchanged_values_records_nothing(
    client: TestClient, admin: Actor, session_factory: sessionmaker[Any]
) -> None:
    created = client.post(URL, json=new_app(), headers=admin.headers).json()
    before = counts(session_factory)
    same = client.patch(
        f"{URL}/acme-wallet",
        json={"name": "Acme Wallet", "grayscale_deadline_days": 15},
        headers=admin.headers,
    )
    assert same.status_code == 200
    assert same.json()["updated_at"] == created["updated_at"]
    assert counts(session_factory) == before


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"code": "renamed"}, "code: a partner app's code cannot be changed"),
        ({}, "nothing to change"),
        ({"name": None}, "name: null is not a name"),
        ({"grayscale_deadline_days": None}, "grayscale_deadline_days: null must be"),
        ({"capability_profile": None}, "capability_profile: expected an object, got null"),
        ({"owner": "me"}, "body.owner: Extra inputs are not permitted"),
        ({"deep_link_template": "acme://{page}"}, "must contain {app_id}"),
        ({"package_limits": {"main_package_bytes": 9 * MIB}}, "exceeds package_limits"),
        ({"package_limits": {"total_bytes": MIB}}, "main_package_bytes: 2097152 exceeds"),
        ({"name": "New", "grayscale_deadline_days": 365}, "grayscale_deadline_days: 365"),
        ({"capability_profile": {"jsapis": [], "components": [], "os_versions": []}}, "got list"),
    ],
)
def test_malformed_patches_are_422_and_change_nothing(
    client: TestClient,
    admin: Actor,
    session_factory: sessionmaker[Any],
    body: dict[str, Any],
    detail: str,
) -> None:
    created = client.post(URL, json=new_app(), headers=admin.headers).json()
    before = counts(session_factory)
    response = client.patch(f"{URL}/acme-wallet", json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert detail in response.json()["detail"]
    assert counts(session_factory) == before
    assert client.get(f"{URL}/acme-wallet", headers=admin.headers).json() == created
