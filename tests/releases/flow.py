"""Driving releases over HTTP in tests: a scenario with a team, a partner app and its
reviewers, and helpers that take a version through the steps of design §3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from minirelease.partners.defaults import shipped_profile
from tests.factories import Actor, Factory
from tests.miniprograms.test_versions_api import upload
from tests.packages.zips import project, zip_bytes

API = "/api/v1"


@dataclass
class Scenario:
    client: TestClient
    owner: Actor
    developer: Actor
    platform_reviewer: Actor
    partner_reviewer: Actor
    admin: Actor
    partner: str
    mini_program_id: str
    app_id: str

    def run_jobs(self) -> int:
        pool = self.client.app.state.jobs  # type: ignore[attr-defined]
        return int(pool.run_pending())

    def call(self, method: str, path: str, actor: Actor | None = None, **kw: Any) -> Any:
        who = actor or self.developer
        response = self.client.request(method, f"{API}{path}", headers=who.headers, **kw)
        return response

    def ok(self, method: str, path: str, actor: Actor | None = None, **kw: Any) -> Any:
        response = self.call(method, path, actor, **kw)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json()

    def upload(self, version: str, files: dict[str, bytes] | None = None) -> None:
        response = upload(
            self.client,
            self.mini_program_id,
            zip_bytes(files or project()),
            self.developer.headers,
            version=version,
        )
        assert response.status_code == 201, response.text

    def release(self, version: str) -> str:
        created = self.ok(
            "POST",
            f"/mini-programs/{self.mini_program_id}/releases",
            json={"version": version, "partner_app": self.partner},
        )
        return str(created["id"])

    def status(self, release_id: str) -> str:
        return str(self.ok("GET", f"/releases/{release_id}")["status"])

    def approved(self, version: str) -> str:
        """Upload (if needed), build, test, apply and get both approvals."""
        release_id = self.release(version)
        self.run_jobs()
        assert self.status(release_id) == "awaiting_test"
        self.ok("POST", f"/releases/{release_id}/compatibility-runs")
        self.run_jobs()
        assert self.status(release_id) == "tested"
        self.ok("POST", f"/releases/{release_id}/apply", json={})
        self.review(release_id, "platform", "approve")
        self.review(release_id, "partner", "approve")
        assert self.status(release_id) == "approved"
        return release_id

    def review(self, release_id: str, side: str, decision: str, comment: str = "") -> Any:
        reviewer = self.platform_reviewer if side == "platform" else self.partner_reviewer
        return self.ok(
            "POST",
            f"/releases/{release_id}/reviews",
            reviewer,
            json={"side": side, "decision": decision, "comment": comment},
        )

    def launch(self, user_id: str | None) -> Any:
        params = {"user_id": user_id} if user_id is not None else {}
        return self.client.get(f"{API}/launch/{self.partner}/{self.app_id}", params=params)


def scenario(client: TestClient, factory: Factory, **partner_fields: Any) -> Scenario:
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner, server_domains=["api.example.com"])
    developer = factory.member(workspace, "developer", mini_programs=(mp,))
    partner_fields.setdefault("code", factory.stable_code("wallet"))
    partner = factory.partner_app(capability_profile=shipped_profile("wallet"), **partner_fields)
    return Scenario(
        client=client,
        owner=owner,
        developer=developer,
        platform_reviewer=factory.user(platform_reviewer=True),
        partner_reviewer=factory.partner_reviewer(partner),
        admin=factory.user(platform_admin=True),
        partner=partner.code,
        mini_program_id=mp.id,
        app_id=mp.app_id,
    )


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the RFC 9457 problem ``code`` with HTTP ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def built(s: Scenario, version: str) -> str:
    """A new release of ``version`` (already uploaded), built: awaiting_test."""
    release_id = s.release(version)
    s.run_jobs()
    assert s.status(release_id) == "awaiting_test"
    return release_id


def after_test(s: Scenario, version: str) -> str:
    """A new release of ``version`` (already uploaded), built and tested: tested."""
    release_id = built(s, version)
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    s.run_jobs()
    assert s.status(release_id) == "tested"
    return release_id


def released(s: Scenario, version: str) -> str:
    """Upload ``version``, take it through review and release it fully: now online."""
    s.upload(version)
    release_id = s.approved(version)
    assert s.ok("POST", f"/releases/{release_id}/full-release")["status"] == "released"
    return release_id


def grayscale(s: Scenario, version: str, percentage: float) -> str:
    """Upload ``version`` and start its grayscale (a version must be online already)."""
    s.upload(version)
    release_id = s.approved(version)
    started = s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": percentage})
    assert started["status"] == "grayscale"
    return release_id
