"""The world of the end-to-end release journey: one workspace with two mini programs, two
partner apps and their people, and the steps of design §3 over HTTP.

Every step records the audit event(s) it must leave, so the journey can compare the audit
log with the transitions it made, one for one and in order; ``check`` verifies what
10,000 users get at launch (``tests/e2e/launches.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.partners.defaults import shipped_profile
from tests.e2e.launches import Launches, Pair, Serving
from tests.factories import Actor, Factory
from tests.releases.flow import Scenario

SYSTEM = "system:"  # actors of the build and compatibility jobs start with it


@dataclass(frozen=True)
class Event:
    action: str
    release_id: str | None
    actor: str  # a user id, or SYSTEM for a job


class Journey:
    def __init__(
        self, client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
    ) -> None:
        self.client = client
        self.session_factory = session_factory
        workspace, self.owner = factory.workspace()
        mps = [
            factory.mini_program(workspace, self.owner, server_domains=["api.example.com"])
            for _ in range(2)
        ]
        self.developer = factory.member(workspace, "developer", mini_programs=tuple(mps))
        partners = [
            factory.partner_app(capability_profile=shipped_profile("wallet")) for _ in range(2)
        ]
        self.platform_reviewer = factory.user(platform_reviewer=True)
        self.admin = factory.user(platform_admin=True)

        def pair(name: str, mp: Any, partner: Any) -> Pair:
            flow = Scenario(
                client=client,
                owner=self.owner,
                developer=self.developer,
                platform_reviewer=self.platform_reviewer,
                partner_reviewer=reviewers[partner.code],
                admin=self.admin,
                partner=partner.code,
                mini_program_id=mp.id,
                app_id=mp.app_id,
            )
            return Pair(name, flow)

        reviewers = {p.code: factory.partner_reviewer(p) for p in partners}
        self.a = pair("A on the main partner app", mps[0], partners[0])
        self.b = pair("B on the main partner app", mps[1], partners[0])
        self.a_second = pair("A on the second partner app", mps[0], partners[1])
        self.pairs = (self.a, self.b, self.a_second)
        self.events: dict[str, list[Event]] = {mp.id: [] for mp in mps}
        self.launches = Launches(client, session_factory, self.pairs)

    # Steps ------------------------------------------------------------------------------

    def audited(self, pair: Pair, action: str, release_id: str | None, actor: Actor | None) -> None:
        """Expect the audit event of a transition made (``actor`` None: by a job)."""
        self.events[pair.flow.mini_program_id].append(
            Event(action, release_id, actor.id if actor else SYSTEM)
        )

    def post(self, pair: Pair, path: str, actor: Actor | None = None, json: Any = None) -> Any:
        return pair.flow.ok("POST", path, actor or self.developer, json=json)

    def upload(self, pair: Pair, version: str) -> None:
        pair.flow.upload(version)
        self.audited(pair, "version.upload", None, self.developer)

    def start(self, pair: Pair, version: str) -> str:
        """Choose App + Confirm, and the build job: ready to test."""
        release_id = pair.flow.release(version)
        self.audited(pair, "release.create", release_id, self.developer)
        self.run_build(pair, release_id)
        return release_id

    def run_build(self, pair: Pair, release_id: str) -> None:
        assert pair.flow.status(release_id) == "building"
        pair.flow.run_jobs()
        assert pair.flow.status(release_id) == "awaiting_test"
        self.audited(pair, "release.build_succeeded", release_id, None)

    def test(self, pair: Pair, release_id: str) -> None:
        self.post(pair, f"/releases/{release_id}/compatibility-runs")
        self.audited(pair, "release.test", release_id, self.developer)
        pair.flow.run_jobs()
        assert pair.flow.status(release_id) == "tested"
        self.audited(pair, "release.test_finished", release_id, None)

    def apply(self, pair: Pair, release_id: str, basic_info: dict[str, str] | None = None) -> Any:
        body = {"basic_info": basic_info} if basic_info else {}
        release = self.post(pair, f"/releases/{release_id}/apply", json=body)
        if basic_info:
            self.audited(pair, "mini_program.update", None, self.developer)
        self.audited(pair, "release.apply", release_id, self.developer)
        assert release["status"] == "in_review"
        return release

    def review(
        self, pair: Pair, release_id: str, side: str, decision: str, comment: str = ""
    ) -> Any:
        reviewer = self.platform_reviewer if side == "platform" else pair.flow.partner_reviewer
        release = self.post(
            pair,
            f"/releases/{release_id}/reviews",
            reviewer,
            json={"side": side, "decision": decision, "comment": comment},
        )
        self.audited(pair, f"release.{decision}", release_id, reviewer)
        return release

    def approved(self, pair: Pair, version: str) -> str:
        """A new release of ``version`` built, tested, applied for and approved by both."""
        release_id = self.start(pair, version)
        self.test(pair, release_id)
        self.apply(pair, release_id)
        self.review(pair, release_id, "platform", "approve")
        assert self.review(pair, release_id, "partner", "approve")["status"] == "approved"
        return release_id

    def act(
        self, pair: Pair, release_id: str, path: str, json: Any = None, action: str = ""
    ) -> Any:
        """``POST /releases/{id}/<path>``, audited as ``release.<action>`` (the path's)."""
        release = self.post(pair, f"/releases/{release_id}/{path}", json=json)
        self.audited(
            pair, f"release.{action or path.replace('-', '_')}", release_id, self.developer
        )
        return release

    def configure(self, pair: Pair, release_id: str, changes: dict[str, Any]) -> Any:
        """View Configuration: a change rebuilds the package."""
        release = pair.flow.ok("PUT", f"/releases/{release_id}/configuration", json=changes)
        self.audited(pair, "release.configure", release_id, self.developer)
        return release

    def goes_online(self, pair: Pair, release_id: str, previous: str | None) -> None:
        """After ``release_id`` reached released: the one it replaced is archived."""
        assert pair.flow.status(release_id) == "released"
        if previous is not None:
            assert pair.flow.status(previous) == "archived"
            self.audited(pair, "release.archive", previous, self.developer)

    def grayscale(self, pair: Pair, release_id: str, percentage: float) -> Any:
        return self.act(pair, release_id, "grayscale", json={"percentage": percentage})

    def refused(self, pair: Pair, path: str, actor: Actor | None = None, json: Any = None) -> str:
        """A request the state machine must refuse with 409 and leave no trace of."""
        response = pair.flow.call("POST", path, actor or self.developer, json=json)
        assert response.status_code == 409, f"{path}: {response.text}"
        assert response.json()["code"] == "invalid_transition", response.text
        return str(response.json()["detail"])

    def listing_path(self, pair: Pair, action: str) -> str:
        return (
            f"/mini-programs/{pair.flow.mini_program_id}/partner-apps/{pair.flow.partner}/{action}"
        )

    def listing(self, pair: Pair, action: str, actor: Actor | None = None, json: Any = None) -> Any:
        """``POST`` on the pair: rollback, removal and its review, force removal. The test
        says which audit events each leaves (``audited``)."""
        return self.post(pair, self.listing_path(pair, action), actor, json=json)

    def check(self, pair: Pair, serving: Serving) -> frozenset[str]:
        """See ``Launches.check``."""
        return self.launches.check(pair, serving)

    def check_audit(self) -> None:
        """The audit log of each mini program holds exactly the events of the transitions
        this journey made, in order, each by the right actor."""
        for mp_id, expected in self.events.items():
            events: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                params: dict[str, Any] = {"mini_program_id": mp_id, "limit": 200}
                if cursor:
                    params["cursor"] = cursor
                page = self.client.get("/api/v1/audit", params=params, headers=self.owner.headers)
                assert page.status_code == 200, page.text
                events += page.json()["items"]
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
            actual = [
                Event(
                    e["action"],
                    e["release_id"],
                    SYSTEM if e["actor"].startswith(SYSTEM) else e["actor"],
                )
                for e in reversed(events)
            ]
            assert actual == expected
