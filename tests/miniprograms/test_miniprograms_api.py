"""Mini program endpoints: every role against every action, validation that leaves no
trace, the icon upload, app ids and the audit trail. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from minirelease.api.routers.miniprograms import read_icon_body
from minirelease.audit import AuditEvent
from minirelease.miniprograms import rules, service
from minirelease.miniprograms.models import MiniProgram
from minirelease.workspaces.models import Workspace
from tests.factories import Actor, Factory
from tests.miniprograms.images import jpeg, png, png_of_size

API = "/api/v1"
ROLES = (
    "owner",
    "master",
    "assigned_developer",
    "unassigned_developer",
    "blocked_member",
    "outsider",
    "platform_admin",
    "platform_reviewer",
    "partner_reviewer",
    "unauthenticated",
)


@dataclass
class Cast:
    workspace: Workspace
    mp: MiniProgram
    other_mp: MiniProgram
    actors: dict[str, Actor]

    def headers(self, role: str) -> dict[str, str]:
        return {} if role == "unauthenticated" else self.actors[role].headers


@pytest.fixture
def cast(factory: Factory) -> Cast:
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner, name="Coffee")
    other_mp = factory.mini_program(workspace, owner, name="Tea")
    partner_app = factory.partner_app()
    actors = {
        "owner": owner,
        "master": factory.member(workspace, "master"),
        "assigned_developer": factory.member(workspace, "developer", mini_programs=(mp,)),
        "unassigned_developer": factory.member(workspace, "developer"),
        "blocked_member": factory.member(workspace, "master", blocked=True),
        "outsider": factory.user(),
        "platform_admin": factory.user(platform_admin=True),
        "platform_reviewer": factory.user(platform_reviewer=True),
        "partner_reviewer": factory.partner_reviewer(partner_app),
    }
    return Cast(workspace, mp, other_mp, actors)


def events(session: Session, action: str, mini_program_id: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if mini_program_id is not None:
        query = query.where(AuditEvent.mini_program_id == mini_program_id)
    return list(session.scalars(query.order_by(AuditEvent.occurred_at, AuditEvent.id)))


def assert_problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


# --- create -------------------------------------------------------------------------

NEW = {"name": "Bakery", "category": "food", "release_target": "alipay_plus"}
CREATE_EXPECTED = {
    "owner": (201, None),
    "master": (201, None),
    "assigned_developer": (403, "permission_denied"),
    "unassigned_developer": (403, "permission_denied"),
    "blocked_member": (404, "not_found"),
    "outsider": (404, "not_found"),
    "platform_admin": (403, "permission_denied"),
    "platform_reviewer": (404, "not_found"),
    "partner_reviewer": (404, "not_found"),
    "unauthenticated": (401, "unauthenticated"),
}


@pytest.mark.parametrize("role", ROLES)
def test_create_by_role(client: TestClient, cast: Cast, session: Session, role: str) -> None:
    url = f"{API}/workspaces/{cast.workspace.id}/mini-programs"
    response = client.post(url, json=NEW, headers=cast.headers(role))
    status, code = CREATE_EXPECTED[role]
    if code is not None:
        assert_problem(response, status, code)
        assert events(session, "mini_program.create") == []
        return
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"2021\d{12}", body["app_id"])
    assert body["workspace_id"] == cast.workspace.id
    assert body["release_target"] == "alipay_plus"
    assert (body["name"], body["description"], body["category"]) == ("Bakery", "", "food")
    assert body["icon"] is None
    assert body["server_domains"] == body["h5_domains"] == body["tester_user_ids"] == []
    [event] = events(session, "mini_program.create")
    assert event.actor == cast.actors[role].id
    assert (event.target_id, event.mini_program_id) == (body["id"], body["id"])
    assert event.workspace_id == cast.workspace.id
    assert event.before is None
    assert event.after is not None
    assert event.after["app_id"] == body["app_id"]
    assert event.after["name"] == "Bakery"


def test_create_in_unknown_workspace_is_404(client: TestClient, cast: Cast) -> None:
    response = client.post(
        f"{API}/workspaces/ws_nope/mini-programs", json=NEW, headers=cast.headers("owner")
    )
    assert_problem(response, 404, "not_found")


def test_app_ids_are_unique_16_digit_2021_numbers(client: TestClient, cast: Cast) -> None:
    url = f"{API}/workspaces/{cast.workspace.id}/mini-programs"
    app_ids = set()
    for i in range(12):
        body = {**NEW, "name": f"Shop {i}"}
        response = client.post(url, json=body, headers=cast.headers("owner"))
        assert response.status_code == 201, response.text
        app_ids.add(response.json()["app_id"])
    assert len(app_ids) == 12
    assert all(re.fullmatch(r"2021\d{12}", app_id) for app_id in app_ids)
    assert cast.mp.app_id not in app_ids


def test_app_id_collision_is_retried(
    client: TestClient, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = client.post(
        f"{API}/workspaces/{cast.workspace.id}/mini-programs",
        json=NEW,
        headers=cast.headers("owner"),
    ).json()["app_id"]
    draws = iter([int(taken[4:]), int(taken[4:]), 42])
    monkeypatch.setattr(service.secrets, "randbelow", lambda _bound: next(draws))
    response = client.post(
        f"{API}/workspaces/{cast.workspace.id}/mini-programs",
        json={**NEW, "name": "Second"},
        headers=cast.headers("owner"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["app_id"] == "2021000000000042"


def test_app_id_space_exhausted_is_a_conflict(
    client: TestClient, cast: Cast, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.secrets, "randbelow", lambda _bound: int(cast.mp.app_id[4:]))
    response = client.post(
        f"{API}/workspaces/{cast.workspace.id}/mini-programs",
        json=NEW,
        headers=cast.headers("owner"),
    )
    assert_problem(response, 409, "conflict")
    assert "app_id" in response.json()["detail"]
    assert events(session, "mini_program.create") == []


@pytest.mark.parametrize("name", ["Coffee", "coffee", "  COFFEE  "])
def test_name_is_unique_within_the_workspace(client: TestClient, cast: Cast, name: str) -> None:
    url = f"{API}/workspaces/{cast.workspace.id}/mini-programs"
    response = client.post(url, json={**NEW, "name": name}, headers=cast.headers("owner"))
    assert_problem(response, 409, "conflict")
    assert "already exists" in response.json()["detail"]


def test_same_name_in_another_workspace_is_fine(
    client: TestClient, cast: Cast, factory: Factory
) -> None:
    other, owner = factory.workspace()
    response = client.post(
        f"{API}/workspaces/{other.id}/mini-programs",
        json={**NEW, "name": "Coffee"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({**NEW, "name": "n" * 31}, "name is 31 characters long; at most 30"),
        ({**NEW, "name": "  "}, "name must not be empty"),
        ({**NEW, "description": "d" * 501}, "description is 501 characters long"),
        ({**NEW, "category": "casino"}, "category 'casino' is not one of"),
        ({**NEW, "release_target": "wechat"}, "release_target 'wechat' is not one of"),
        ({"name": "x", "category": "food"}, "release_target"),
        ({**NEW, "app_id": "2021000000000001"}, "app_id"),
    ],
)
def test_create_validation(
    client: TestClient, cast: Cast, session: Session, body: dict[str, Any], detail: str
) -> None:
    url = f"{API}/workspaces/{cast.workspace.id}/mini-programs"
    response = client.post(url, json=body, headers=cast.headers("owner"))
    assert_problem(response, 422, "validation_error")
    assert detail in response.json()["detail"]
    assert events(session, "mini_program.create") == []


def test_thirty_chinese_characters_are_a_valid_name(client: TestClient, cast: Cast) -> None:
    url = f"{API}/workspaces/{cast.workspace.id}/mini-programs"
    response = client.post(url, json={**NEW, "name": "咖" * 30}, headers=cast.headers("owner"))
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "咖" * 30


# --- list and read --------------------------------------------------------------------

LIST_EXPECTED: dict[str, Any] = {
    "owner": ["Coffee", "Tea"],
    "master": ["Coffee", "Tea"],
    "assigned_developer": ["Coffee"],
    "unassigned_developer": [],
    "blocked_member": 404,
    "outsider": 404,
    "platform_admin": ["Coffee", "Tea"],
    "platform_reviewer": 404,
    "partner_reviewer": 404,
    "unauthenticated": 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_list_by_role(client: TestClient, cast: Cast, role: str) -> None:
    url = f"{API}/workspaces/{cast.workspace.id}/mini-programs"
    response = client.get(url, headers=cast.headers(role))
    expected = LIST_EXPECTED[role]
    if isinstance(expected, int):
        assert_problem(response, expected, {401: "unauthenticated", 404: "not_found"}[expected])
        return
    assert response.status_code == 200, response.text
    assert [mp["name"] for mp in response.json()["items"]] == expected


READ_EXPECTED = {
    "owner": 200,
    "master": 200,
    "assigned_developer": 200,
    "unassigned_developer": 404,
    "blocked_member": 404,
    "outsider": 404,
    "platform_admin": 200,
    "platform_reviewer": 404,
    "partner_reviewer": 404,
    "unauthenticated": 401,
}


@pytest.mark.parametrize("role", ROLES)
def test_get_by_role(client: TestClient, cast: Cast, role: str) -> None:
    response = client.get(f"{API}/mini-programs/{cast.mp.id}", headers=cast.headers(role))
    expected = READ_EXPECTED[role]
    if expected != 200:
        assert_problem(response, expected, {401: "unauthenticated", 404: "not_found"}[expected])
        return
    assert response.status_code == 200, response.text
    assert response.json()["id"] == cast.mp.id
    assert response.json()["app_id"] == cast.mp.app_id


def test_unknown_mini_program_is_404(client: TestClient, cast: Cast) -> None:
    assert_problem(
        client.get(f"{API}/mini-programs/mp_nope", headers=cast.headers("owner")), 404, "not_found"
    )


# --- edit -----------------------------------------------------------------------------

EDIT_EXPECTED = {
    "owner": (200, None),
    "master": (200, None),
    "assigned_developer": (200, None),
    "unassigned_developer": (404, "not_found"),
    "blocked_member": (404, "not_found"),
    "outsider": (404, "not_found"),
    "platform_admin": (403, "permission_denied"),
    "platform_reviewer": (404, "not_found"),
    "partner_reviewer": (404, "not_found"),
    "unauthenticated": (401, "unauthenticated"),
}


@pytest.mark.parametrize("role", ROLES)
def test_patch_by_role(client: TestClient, cast: Cast, session: Session, role: str) -> None:
    response = client.patch(
        f"{API}/mini-programs/{cast.mp.id}",
        json={"description": "Fresh beans"},
        headers=cast.headers(role),
    )
    status, code = EDIT_EXPECTED[role]
    if code is not None:
        assert_problem(response, status, code)
        assert events(session, "mini_program.update") == []
        return
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "Fresh beans"
    [event] = events(session, "mini_program.update", cast.mp.id)
    assert event.actor == cast.actors[role].id
    assert event.before == {"description": "a test mini program"}
    assert event.after == {"description": "Fresh beans"}


def test_patch_normalizes_lists_and_audits_only_changed_fields(
    client: TestClient, cast: Cast, session: Session
) -> None:
    url = f"{API}/mini-programs/{cast.mp.id}"
    response = client.patch(
        url,
        json={
            "name": "Coffee",  # unchanged: not in the audit event
            "category": "shopping",
            "server_domains": ["https://API.Example.com/", "*.cdn.example.com"],
            "h5_domains": ["bücher.de"],
            "tester_user_ids": ["2088001", "2088002"],
        },
        headers=cast.headers("assigned_developer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["server_domains"] == ["api.example.com", "*.cdn.example.com"]
    assert body["h5_domains"] == ["xn--bcher-kva.de"]
    assert body["tester_user_ids"] == ["2088001", "2088002"]
    assert body["updated_at"] > body["created_at"]
    [event] = events(session, "mini_program.update", cast.mp.id)
    assert event.before == {
        "category": "tools",
        "server_domains": [],
        "h5_domains": [],
        "tester_user_ids": [],
    }
    assert event.after == {
        "category": "shopping",
        "server_domains": ["api.example.com", "*.cdn.example.com"],
        "h5_domains": ["xn--bcher-kva.de"],
        "tester_user_ids": ["2088001", "2088002"],
    }
    # The lists are replaced whole, and read back as stored.
    again = client.patch(url, json={"server_domains": []}, headers=cast.headers("owner"))
    assert again.json()["server_domains"] == []
    assert client.get(url, headers=cast.headers("owner")).json()["h5_domains"] == [
        "xn--bcher-kva.de"
    ]


def test_patch_that_changes_nothing_records_nothing(
    client: TestClient, cast: Cast, session: Session
) -> None:
    response = client.patch(
        f"{API}/mini-programs/{cast.mp.id}",
        json={"name": " Coffee ", "category": "tools"},
        headers=cast.headers("owner"),
    )
    assert response.status_code == 200, response.text
    assert events(session, "mini_program.update") == []


@pytest.mark.parametrize("list_name", ["server_domains", "h5_domains"])
def test_one_bad_whitelist_entry_changes_nothing(
    client: TestClient, cast: Cast, session: Session, list_name: str
) -> None:
    url = f"{API}/mini-programs/{cast.mp.id}"
    before = client.get(url, headers=cast.headers("owner")).json()
    response = client.patch(
        url,
        json={
            "name": "Renamed",
            "description": "changed",
            "tester_user_ids": ["u1"],
            "server_domains": ["api.example.com"],
            list_name: ["good.example.com", "ok.example.com", "192.168.0.1"],
        },
        headers=cast.headers("master"),
    )
    assert_problem(response, 422, "validation_error")
    problem = response.json()
    assert problem["detail"] == (
        f"{list_name}[2] '192.168.0.1': IP address literals are not allowed (IPv4)"
    )
    assert (problem["field"], problem["index"], problem["entry"], problem["rule"]) == (
        list_name,
        2,
        "192.168.0.1",
        "ip_address",
    )
    assert client.get(url, headers=cast.headers("owner")).json() == before
    assert events(session, "mini_program.update") == []


def test_whitelist_limit_through_the_api(client: TestClient, cast: Cast) -> None:
    url = f"{API}/mini-programs/{cast.mp.id}"
    hosts = [f"h{i}.example.com" for i in range(201)]
    ok = client.patch(url, json={"h5_domains": hosts[:200]}, headers=cast.headers("owner"))
    assert ok.status_code == 200, ok.text
    assert len(ok.json()["h5_domains"]) == 200
    refused = client.patch(url, json={"h5_domains": hosts}, headers=cast.headers("owner"))
    assert_problem(refused, 422, "validation_error")
    assert refused.json()["detail"] == "h5_domains has 201 entries; at most 200 are allowed"
    assert len(client.get(url, headers=cast.headers("owner")).json()["h5_domains"]) == 200


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"app_id": "2021999999999999"}, "app_id cannot be changed after creation"),
        ({"release_target": "alipay_plus"}, "release_target cannot be changed after creation"),
        ({"name": None}, "name cannot be null"),
        ({"server_domains": "api.example.com"}, "server_domains"),
        ({"tester_user_ids": ["ok", "bad id"]}, "tester_user_ids[1] 'bad id'"),
        ({"name": "n" * 31}, "name is 31 characters long"),
        ({"category": "casino"}, "category 'casino'"),
        ({"color": "red"}, "color"),
    ],
)
def test_patch_refusals(
    client: TestClient, cast: Cast, session: Session, body: dict[str, Any], detail: str
) -> None:
    response = client.patch(
        f"{API}/mini-programs/{cast.mp.id}", json=body, headers=cast.headers("owner")
    )
    assert_problem(response, 422, "validation_error")
    assert detail in response.json()["detail"]
    assert events(session, "mini_program.update") == []


def test_rename_to_a_taken_name_is_a_conflict(
    client: TestClient, cast: Cast, session: Session
) -> None:
    response = client.patch(
        f"{API}/mini-programs/{cast.mp.id}", json={"name": "TEA"}, headers=cast.headers("owner")
    )
    assert_problem(response, 409, "conflict")
    assert events(session, "mini_program.update") == []
    # Changing only the case of its own name is a rename, not a conflict.
    response = client.patch(
        f"{API}/mini-programs/{cast.mp.id}", json={"name": "COFFEE"}, headers=cast.headers("owner")
    )
    assert response.status_code == 200, response.text


# --- icon -----------------------------------------------------------------------------


def put_icon(
    client: TestClient, cast: Cast, data: bytes, content_type: str, role: str = "owner"
) -> Any:
    headers = {**cast.headers(role), "Content-Type": content_type}
    return client.put(f"{API}/mini-programs/{cast.mp.id}/icon", content=data, headers=headers)


def test_png_then_jpeg_icon(client: TestClient, cast: Cast, session: Session) -> None:
    first, second = png(64, 64), jpeg(40, 30)
    response = put_icon(client, cast, first, "image/png", role="assigned_developer")
    assert response.status_code == 200, response.text
    icon = response.json()["icon"]
    assert icon["content_type"] == "image/png"
    assert len(icon["sha256"]) == 64
    assert icon["url"] == f"{API}/mini-programs/{cast.mp.id}/icon"
    served = client.get(icon["url"], headers=cast.headers("master"))
    assert served.status_code == 200
    assert served.content == first
    assert served.headers["content-type"] == "image/png"
    assert served.headers["etag"] == f'"{icon["sha256"]}"'

    replaced = put_icon(client, cast, second, "image/jpeg")
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["icon"]["content_type"] == "image/jpeg"
    served = client.get(icon["url"], headers=cast.headers("platform_admin"))
    assert (served.content, served.headers["content-type"]) == (second, "image/jpeg")

    first_event, second_event = events(session, "mini_program.icon.update", cast.mp.id)
    assert first_event.before == {"sha256": None, "content_type": None}
    assert first_event.after == {
        "sha256": icon["sha256"],
        "content_type": "image/png",
        "width": 64,
        "height": 64,
    }
    assert second_event.before == {"sha256": icon["sha256"], "content_type": "image/png"}
    assert second_event.after is not None
    assert second_event.after["sha256"] == replaced.json()["icon"]["sha256"]
    assert (second_event.after["width"], second_event.after["height"]) == (40, 30)


def test_icon_of_exactly_1_mb_is_accepted(client: TestClient, cast: Cast) -> None:
    response = put_icon(client, cast, png_of_size(rules.MAX_ICON_BYTES), "image/png")
    assert response.status_code == 200, response.text


def _bad_icon(label: str, data: bytes, content_type: str, detail: str) -> Any:
    return pytest.param(data, content_type, detail, id=label)


@pytest.mark.parametrize(
    ("data", "content_type", "detail"),
    [
        _bad_icon("gif", b"GIF89a" + b"\x00" * 64, "image/png", "neither a PNG nor a JPEG"),
        _bad_icon(
            "wrong-magic", b"\x8bPNG\r\n\x1a\n" + png()[8:], "image/png", "neither a PNG nor"
        ),
        _bad_icon(
            "png-as-jpeg", png(), "image/jpeg", "says image/jpeg but the bytes are image/png"
        ),
        _bad_icon(
            "jpeg-as-png", jpeg(), "image/png", "says image/png but the bytes are image/jpeg"
        ),
        _bad_icon("gif-type", png(), "image/gif", "image/png or image/jpeg, not 'image/gif'"),
        _bad_icon("octet-stream", png(), "application/octet-stream", "not 'application/octet"),
        _bad_icon(
            "1mb-plus-1",
            png_of_size(rules.MAX_ICON_BYTES + 1),
            "image/png",
            "larger than 1,048,576 bytes",
        ),
        # Twice the limit: still the icon rule's to refuse (far beyond, a body is refused
        # before it is read: tests/http/test_body_limits.py).
        _bad_icon(
            "2mb", b"\x00" * (2 * rules.MAX_ICON_BYTES), "image/png", "larger than 1,048,576"
        ),
        _bad_icon("garbage", bytes(range(256)) * 8, "image/jpeg", "neither a PNG nor a JPEG"),
        _bad_icon("truncated-png", png()[:40], "image/png", "PNG is truncated"),
        _bad_icon("empty", b"", "image/png", "the icon is empty"),
    ],
)
def test_bad_icons_change_nothing(
    client: TestClient,
    cast: Cast,
    session: Session,
    data: bytes,
    content_type: str,
    detail: str,
) -> None:
    response = put_icon(client, cast, data, content_type)
    assert_problem(response, 422, "validation_error")
    assert detail in response.json()["detail"]
    assert response.json()["field"] == "icon"
    assert (
        client.get(f"{API}/mini-programs/{cast.mp.id}", headers=cast.headers("owner")).json()[
            "icon"
        ]
        is None
    )
    assert_problem(
        client.get(f"{API}/mini-programs/{cast.mp.id}/icon", headers=cast.headers("owner")),
        404,
        "not_found",
    )
    assert events(session, "mini_program.icon.update") == []


@pytest.mark.parametrize("role", ROLES)
def test_set_icon_by_role(client: TestClient, cast: Cast, role: str) -> None:
    response = put_icon(client, cast, png(), "image/png", role=role)
    status, code = EDIT_EXPECTED[role]
    if code is not None:
        assert_problem(response, status, code)
        return
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("role", ROLES)
def test_get_icon_by_role(client: TestClient, cast: Cast, role: str) -> None:
    assert put_icon(client, cast, png(), "image/png").status_code == 200
    response = client.get(f"{API}/mini-programs/{cast.mp.id}/icon", headers=cast.headers(role))
    expected = READ_EXPECTED[role]
    if expected != 200:
        assert_problem(response, expected, {401: "unauthenticated", 404: "not_found"}[expected])
        return
    assert response.content == png()


def test_icon_body_is_read_no_further_than_the_limit() -> None:
    """An endless upload: the reader stops one byte past 1 MB instead of buffering it."""
    chunk = b"\x00" * 65536
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    request = Request({"type": "http", "method": "PUT", "headers": []}, receive)
    body = asyncio.run(read_icon_body(request))
    assert len(body) == rules.MAX_ICON_BYTES + 1
    assert received == rules.MAX_ICON_BYTES // len(chunk) + 1


# --- delete ---------------------------------------------------------------------------

DELETE_EXPECTED = {
    "owner": (204, None),
    "master": (403, "permission_denied"),
    "assigned_developer": (403, "permission_denied"),
    "unassigned_developer": (404, "not_found"),
    "blocked_member": (404, "not_found"),
    "outsider": (404, "not_found"),
    "platform_admin": (403, "permission_denied"),
    "platform_reviewer": (404, "not_found"),
    "partner_reviewer": (404, "not_found"),
    "unauthenticated": (401, "unauthenticated"),
}


@pytest.mark.parametrize("role", ROLES)
def test_delete_by_role(client: TestClient, cast: Cast, session: Session, role: str) -> None:
    url = f"{API}/mini-programs/{cast.mp.id}"
    response = client.delete(url, headers=cast.headers(role))
    status, code = DELETE_EXPECTED[role]
    if code is not None:
        assert_problem(response, status, code)
        assert client.get(url, headers=cast.headers("owner")).status_code == 200
        assert events(session, "mini_program.delete") == []
        return
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(url, headers=cast.headers("owner")), 404, "not_found")
    [event] = events(session, "mini_program.delete", cast.mp.id)
    assert event.actor == cast.actors["owner"].id
    assert event.after is None
    assert event.before is not None
    assert (event.before["name"], event.before["app_id"]) == ("Coffee", cast.mp.app_id)
    # The assigned developer's assignment went with it; the other program is untouched.
    listed = client.get(
        f"{API}/workspaces/{cast.workspace.id}/mini-programs",
        headers=cast.headers("assigned_developer"),
    )
    assert listed.json()["items"] == []
    assert (
        client.get(
            f"{API}/mini-programs/{cast.other_mp.id}", headers=cast.headers("owner")
        ).status_code
        == 200
    )


def test_deleted_name_can_be_reused(client: TestClient, cast: Cast) -> None:
    headers = cast.headers("owner")
    assert client.delete(f"{API}/mini-programs/{cast.mp.id}", headers=headers).status_code == 204
    response = client.post(
        f"{API}/workspaces/{cast.workspace.id}/mini-programs",
        json={**NEW, "name": "Coffee"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
