"""A valid request to every API route in scope, built from a scenario: valid so that a refusal
can only be about who is asking. Some routes have variants where design §2 distinguishes
the target (inviting, changing or removing a developer, a master or an owner; reading the
audit log of a workspace, of a mini program, or all of it).

The permission matrix pairs each with the expected status per caller; the hostile-input
suite starts from each and breaks it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from minirelease.api.app import API_PREFIX
from minirelease.partners.defaults import WALLET_PROFILE
from tests.api.scenario import (
    MASTER,
    NEW_PACKAGE,
    OTHER_DEVELOPER,
    OUTSIDER,
    PARTNER_REVIEWER,
    PLATFORM_REVIEWER,
    Scenario,
)
from tests.miniprograms.images import png

NO_JSON = object()
BOUNDARY = "matrix-boundary-7f3a"


@dataclass(frozen=True)
class Call:
    """The variable parts of one request: path parameters, a body, query parameters."""

    path: dict[str, str] = field(default_factory=dict)
    json: Any = NO_JSON
    content: bytes | None = None
    content_type: str | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # under /api/v1
    build: Callable[[Scenario], Call]
    variant: str = ""

    @property
    def route(self) -> tuple[str, str]:
        return (self.method, self.template)

    @property
    def name(self) -> str:
        suffix = f" [{self.variant}]" if self.variant else ""
        return f"{self.method} {self.template}{suffix}"

    def url(self, call: Call) -> str:
        return API_PREFIX + self.template.format(**call.path)

    def send(self, client: TestClient, call: Call, headers: dict[str, str]) -> httpx.Response:
        if call.content_type is not None:
            headers = headers | {"Content-Type": call.content_type}
        kwargs: dict[str, Any] = {"headers": headers, "params": call.params}
        if call.json is not NO_JSON:
            kwargs["json"] = call.json
        if call.content is not None:
            kwargs["content"] = call.content
        return client.request(self.method, self.url(call), **kwargs)


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    body = bytearray()
    parts = [(name, value.encode(), "") for name, value in fields.items()]
    parts += [(name, data, f'; filename="{name}.zip"') for name, data in files.items()]
    for name, data, filename in parts:
        disposition = f'form-data; name="{name}"{filename}'
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += data + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={BOUNDARY}"


def _upload(s: Scenario) -> Call:
    body, content_type = multipart(
        {"version": "2.0.0", "description": "second"}, {"package": NEW_PACKAGE}
    )
    return Call(path=_mp(s), content=body, content_type=content_type)


def _ws(s: Scenario) -> dict[str, str]:
    return {"workspace_id": s.workspace_id}


def _mp(s: Scenario) -> dict[str, str]:
    return {"mini_program_id": s.mini_program_id}


def _hook(s: Scenario) -> dict[str, str]:
    return {"webhook_id": s.webhook_id}


def _version(s: Scenario) -> dict[str, str]:
    return _mp(s) | {"version": s.version}


def _member(s: Scenario, user_id: str) -> dict[str, str]:
    return _ws(s) | {"user_id": user_id}


_NEW_PARTNER_APP = {
    "code": "new-wallet",
    "name": "New Wallet",
    "deep_link_template": "newwallet://mini?appId={app_id}&page={page}",
    "capability_profile": dict(WALLET_PROFILE),
}
_NEW_MINI_PROGRAM = {
    "name": "Fresh",
    "description": "made in the matrix",
    "category": "tools",
    "release_target": "alipay_plus",
}

E = Endpoint
# fmt: off
CREATE_USER = E("POST", "/users", lambda s: Call(json={"email": "new-user@example.com"}))
ME = E("GET", "/me", lambda s: Call())
LIST_TOKENS = E("GET", "/me/tokens", lambda s: Call())
CREATE_TOKEN = E("POST", "/me/tokens", lambda s: Call(json={"name": "ci"}))
# The token is the owner's: a token is its user's alone.
REVOKE_TOKEN = E("DELETE", "/me/tokens/{token_id}",
                 lambda s: Call(path={"token_id": s.spare_token_id}))

LIST_WORKSPACES = E("GET", "/workspaces", lambda s: Call())
CREATE_WORKSPACE = E("POST", "/workspaces", lambda s: Call(json={"name": "Another"}))
GET_WORKSPACE = E("GET", "/workspaces/{workspace_id}", lambda s: Call(path=_ws(s)))
INVITE_DEVELOPER = E("POST", "/workspaces/{workspace_id}/invitations", lambda s: Call(
    path=_ws(s),
    json={"email": "new-dev@example.com", "role": "developer",
          "mini_program_ids": [s.mini_program_id]},
), "developer")
INVITE_MASTER = E("POST", "/workspaces/{workspace_id}/invitations", lambda s: Call(
    path=_ws(s), json={"email": "new-master@example.com", "role": "master"}), "master")
LIST_INVITATIONS = E("GET", "/workspaces/{workspace_id}/invitations", lambda s: Call(path=_ws(s)))
REVOKE_DEVELOPER_INVITATION = E(
    "DELETE", "/workspaces/{workspace_id}/invitations/{invitation_id}",
    lambda s: Call(path=_ws(s) | {"invitation_id": s.developer_invitation_id}), "developer")
REVOKE_MASTER_INVITATION = E(
    "DELETE", "/workspaces/{workspace_id}/invitations/{invitation_id}",
    lambda s: Call(path=_ws(s) | {"invitation_id": s.master_invitation_id}), "master")
# The invitation is for an email no account has: accepting it signed out creates that
# account; a signed-in caller is someone else, whatever their roles.
ACCEPT_INVITATION = E("POST", "/invitations/accept",
                      lambda s: Call(json={"token": s.developer_invitation_token}))
LIST_MEMBERS = E("GET", "/workspaces/{workspace_id}/members", lambda s: Call(path=_ws(s)))
CHANGE_DEVELOPER = E("PATCH", "/workspaces/{workspace_id}/members/{user_id}", lambda s: Call(
    path=_member(s, s.user_id(OTHER_DEVELOPER)),
    json={"mini_program_ids": [s.mini_program_id, s.other_mini_program_id]}), "developer")
CHANGE_MASTER = E("PATCH", "/workspaces/{workspace_id}/members/{user_id}", lambda s: Call(
    path=_member(s, s.user_id(MASTER)), json={"role": "developer"}), "master")
BLOCK_OWNER = E("PATCH", "/workspaces/{workspace_id}/members/{user_id}", lambda s: Call(
    path=_member(s, s.co_owner.id), json={"blocked": True}), "owner")
REMOVE_DEVELOPER = E("DELETE", "/workspaces/{workspace_id}/members/{user_id}",
                     lambda s: Call(path=_member(s, s.user_id(OTHER_DEVELOPER))), "developer")
REMOVE_MASTER = E("DELETE", "/workspaces/{workspace_id}/members/{user_id}",
                  lambda s: Call(path=_member(s, s.user_id(MASTER))), "master")
REMOVE_OWNER = E("DELETE", "/workspaces/{workspace_id}/members/{user_id}",
                 lambda s: Call(path=_member(s, s.co_owner.id)), "owner")

LIST_PARTNER_APPS = E("GET", "/partner-apps", lambda s: Call())
CREATE_PARTNER_APP = E("POST", "/partner-apps", lambda s: Call(json=_NEW_PARTNER_APP))
GET_PARTNER_APP = E("GET", "/partner-apps/{code}",
                    lambda s: Call(path={"code": s.partner_app_code}))
UPDATE_PARTNER_APP = E("PATCH", "/partner-apps/{code}", lambda s: Call(
    path={"code": s.partner_app_code}, json={"name": "Renamed Wallet"}))
ADD_PARTNER_REVIEWER = E("POST", "/partner-apps/{code}/reviewers", lambda s: Call(
    path={"code": s.partner_app_code}, json={"user_id": s.user_id(OUTSIDER)}))
LIST_PARTNER_REVIEWERS = E("GET", "/partner-apps/{code}/reviewers",
                           lambda s: Call(path={"code": s.partner_app_code}))
REMOVE_PARTNER_REVIEWER = E("DELETE", "/partner-apps/{code}/reviewers/{user_id}", lambda s: Call(
    path={"code": s.partner_app_code, "user_id": s.user_id(PARTNER_REVIEWER)}))
CREATE_PARTNER_KEY = E("POST", "/partner-apps/{code}/keys", lambda s: Call(
    path={"code": s.partner_app_code}, json={"name": "backend"}))
LIST_PARTNER_KEYS = E("GET", "/partner-apps/{code}/keys",
                      lambda s: Call(path={"code": s.partner_app_code}))
REVOKE_PARTNER_KEY = E("DELETE", "/partner-apps/{code}/keys/{key_id}", lambda s: Call(
    path={"code": s.partner_app_code, "key_id": s.partner_key_id}))
LIST_PLATFORM_REVIEWERS = E("GET", "/platform/reviewers", lambda s: Call())
ADD_PLATFORM_REVIEWER = E("POST", "/platform/reviewers",
                          lambda s: Call(json={"user_id": s.user_id(OUTSIDER)}))
REMOVE_PLATFORM_REVIEWER = E("DELETE", "/platform/reviewers/{user_id}",
                             lambda s: Call(path={"user_id": s.user_id(PLATFORM_REVIEWER)}))

CREATE_MINI_PROGRAM = E("POST", "/workspaces/{workspace_id}/mini-programs",
                        lambda s: Call(path=_ws(s), json=_NEW_MINI_PROGRAM))
LIST_MINI_PROGRAMS = E("GET", "/workspaces/{workspace_id}/mini-programs",
                       lambda s: Call(path=_ws(s)))
GET_MINI_PROGRAM = E("GET", "/mini-programs/{mini_program_id}", lambda s: Call(path=_mp(s)))
UPDATE_MINI_PROGRAM = E("PATCH", "/mini-programs/{mini_program_id}", lambda s: Call(
    path=_mp(s), json={"name": "Renamed", "server_domains": ["api.example.com"]}))
DELETE_MINI_PROGRAM = E("DELETE", "/mini-programs/{mini_program_id}", lambda s: Call(path=_mp(s)))
SET_ICON = E("PUT", "/mini-programs/{mini_program_id}/icon", lambda s: Call(
    path=_mp(s), content=png(32, 32), content_type="image/png"))
GET_ICON = E("GET", "/mini-programs/{mini_program_id}/icon", lambda s: Call(path=_mp(s)))
UPLOAD_VERSION = E("POST", "/mini-programs/{mini_program_id}/versions", _upload)
LIST_VERSIONS = E("GET", "/mini-programs/{mini_program_id}/versions", lambda s: Call(path=_mp(s)))
GET_VERSION = E("GET", "/mini-programs/{mini_program_id}/versions/{version}",
                lambda s: Call(path=_version(s)))
DOWNLOAD_PACKAGE = E("GET", "/mini-programs/{mini_program_id}/versions/{version}/package",
                     lambda s: Call(path=_version(s)))
# A promo code of what is online on the partner app (the scenario's released version).
CREATE_QRCODE = E("POST", "/mini-programs/{mini_program_id}/qrcodes", lambda s: Call(
    path=_mp(s),
    json={"kind": "promo", "partner_app": s.partner_app_code, "page": "pages/index/index",
          "format": "png"}))

WORKSPACE_AUDIT = E("GET", "/audit",
                    lambda s: Call(params={"workspace_id": s.workspace_id}), "workspace")
MINI_PROGRAM_AUDIT = E("GET", "/audit", lambda s: Call(
    params={"mini_program_id": s.mini_program_id}), "mini program")
WHOLE_AUDIT = E("GET", "/audit", lambda s: Call(), "whole log")

CREATE_WEBHOOK = E("POST", "/workspaces/{workspace_id}/webhooks", lambda s: Call(
    path=_ws(s), json={"url": "https://93.184.216.34/new", "events": ["release.released"]}))
LIST_WEBHOOKS = E("GET", "/workspaces/{workspace_id}/webhooks", lambda s: Call(path=_ws(s)))
GET_WEBHOOK = E("GET", "/webhooks/{webhook_id}", lambda s: Call(path=_hook(s)))
UPDATE_WEBHOOK = E("PATCH", "/webhooks/{webhook_id}", lambda s: Call(
    path=_hook(s), json={"events": ["*"], "description": "all"}))
DELETE_WEBHOOK = E("DELETE", "/webhooks/{webhook_id}", lambda s: Call(path=_hook(s)))
ROTATE_WEBHOOK_SECRET = E("POST", "/webhooks/{webhook_id}/rotate-secret",
                          lambda s: Call(path=_hook(s)))
PING_WEBHOOK = E("POST", "/webhooks/{webhook_id}/ping", lambda s: Call(path=_hook(s)))
LIST_DELIVERIES = E("GET", "/webhooks/{webhook_id}/deliveries", lambda s: Call(path=_hook(s)))
GET_DELIVERY = E("GET", "/webhooks/{webhook_id}/deliveries/{delivery_id}",
                 lambda s: Call(path=_hook(s) | {"delivery_id": s.delivery_id}))
REDELIVER = E("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
              lambda s: Call(path=_hook(s) | {"delivery_id": s.delivery_id}))

LIST_COMPAT_PROFILES = E("GET", "/compat/profiles", lambda s: Call())
PUT_COMPAT_PROFILE = E("PUT", "/compat/profiles/{kind}/{name}", lambda s: Call(
    path={"kind": "network", "name": "3g"},
    json={"data": {"bandwidth_kbps": 1200, "rtt_ms": 350, "loss": 0.01}}))
# fmt: on

ENDPOINTS: tuple[Endpoint, ...] = tuple(
    value for value in dict(globals()).values() if isinstance(value, Endpoint)
)
