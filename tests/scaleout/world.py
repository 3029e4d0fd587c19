"""The people and mini programs of the scale-out test, written straight into the database
after ``minirelease db upgrade``; and what one mini program's release goes through, over
HTTP through the load balancer."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import sessionmaker

from minirelease.cli import sample_app
from minirelease.config import Settings
from minirelease.miniprograms.models import MiniProgram
from tests.factories import Actor, Factory
from tests.packages.zips import zip_bytes
from tests.releases.heavy_package import ROOMY_LIMITS
from tests.scaleout.cluster import Balancer


@dataclass
class World:
    owner: Actor
    platform_reviewer: Actor
    partner_reviewer: Actor
    partner: str
    programs: list[MiniProgram]


def seed(sessions: sessionmaker[Any], settings: Settings, programs: int) -> World:
    factory = Factory(sessions, settings)
    workspace, owner = factory.workspace()
    partner = factory.partner_app(package_limits=dict(ROOMY_LIMITS))
    return World(
        owner=owner,
        platform_reviewer=factory.user(platform_reviewer=True),
        partner_reviewer=factory.partner_reviewer(partner),
        partner=partner.code,
        programs=[factory.mini_program(workspace, owner) for _ in range(programs)],
    )


def package(app_id: str, version: str) -> bytes:
    """The sample program, made this program's and this version's own (so every upload
    is a blob of its own in the store)."""
    files = {name: text.encode() for name, text in sample_app.FILES.items()}
    files["app.js"] += f"// {app_id} {version}\n".encode()
    return zip_bytes(files)


class Driver:
    """One person's requests through the load balancer, with their failures explained."""

    def __init__(self, balancer: Balancer, world: World) -> None:
        self.lb = balancer
        self.world = world

    def call(
        self, method: str, path: str, expect: int = 200, as_: Actor | None = None, **kw: Any
    ) -> dict[str, Any]:
        headers = (as_ or self.world.owner).headers
        response = self.lb.request(method, path, headers=headers, **kw)
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def status(self, release_id: str) -> str:
        return str(self.call("GET", f"/releases/{release_id}")["status"])

    def wait_status(self, release_id: str, wanted: str, passing: tuple[str, ...]) -> None:
        deadline = time.monotonic() + 600
        while (status := self.status(release_id)) != wanted:
            assert status in passing, f"release {release_id} went {status}, not {wanted}"
            assert time.monotonic() < deadline, f"release {release_id} stuck in {status}"
            time.sleep(0.3)

    def to_tested(self, program: MiniProgram, version: str) -> str:
        """Upload ``version``, create its release, wait for the build, run the
        compatibility lab and wait for the report: the release id."""
        self.call(
            "POST",
            f"/mini-programs/{program.id}/versions",
            expect=201,
            data={"version": version, "description": f"version {version}"},
            files={"package": ("app.zip", package(program.app_id, version), "application/zip")},
        )
        release = self.call(
            "POST",
            f"/mini-programs/{program.id}/releases",
            expect=201,
            json={"version": version, "partner_app": self.world.partner},
        )
        self.wait_status(release["id"], "awaiting_test", passing=("building",))
        self.call("POST", f"/releases/{release['id']}/compatibility-runs", expect=202)
        self.wait_status(release["id"], "tested", passing=("awaiting_test", "testing"))
        return str(release["id"])

    def approved(self, release_id: str) -> None:
        self.call("POST", f"/releases/{release_id}/apply")
        for side, reviewer in (
            ("platform", self.world.platform_reviewer),
            ("partner", self.world.partner_reviewer),
        ):
            self.call(
                "POST",
                f"/releases/{release_id}/reviews",
                as_=reviewer,
                json={"side": side, "decision": "approve"},
            )
        assert self.status(release_id) == "approved"

    def act(self, release_id: str, action: str, body: Mapping[str, Any] | None = None) -> str:
        kw: dict[str, Any] = {} if body is None else {"json": dict(body)}
        return str(self.call("POST", f"/releases/{release_id}/{action}", **kw)["status"])
