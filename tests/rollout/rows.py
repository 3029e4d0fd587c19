"""Rollout rows written directly (mini programs, versions, releases in any status, listings),
each call its own committed unit of work: the states a snapshot must read, without taking
every release through builds and reviews over HTTP."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.workspaces.models import Workspace
from tests.factories import Actor, Factory


@dataclass
class Rows:
    factory: Factory
    owner: Actor
    workspace: Workspace
    versions: dict[tuple[str, str], str] = field(default_factory=dict)  # (mp id, version) → id

    @classmethod
    def make(cls, factory: Factory) -> Rows:
        workspace, owner = factory.workspace()
        return cls(factory, owner, workspace)

    def save(self, *rows: Any) -> None:
        with self.factory.session_factory() as session:
            session.add_all(rows)
            session.commit()

    def program(self) -> MiniProgram:
        return self.factory.mini_program(self.workspace, self.owner)

    def release(
        self,
        mp: MiniProgram,
        partner: PartnerApp,
        version: str,
        status: str,
        *,
        built: bool = True,
        basis_points: int = 0,
        halted: bool = False,
        testers: tuple[str, ...] = (),
    ) -> Release:
        digest = hashlib.sha256(f"{mp.id}:{partner.id}:{version}".encode()).hexdigest()
        release = Release(
            id=new_id("rel"),
            mini_program_id=mp.id,
            partner_app_id=partner.id,
            version_id=self._version(mp, version),
            version=version,
            status=status,
            basis_points=basis_points,
            halted=halted,
            configuration={},
            build_status="succeeded" if built else "queued",
            build_sha256=digest if built else None,
            build_size=1000 + len(version) if built else None,
            build_signature=f"sig-{version}" if built else None,
            pilot_tester_ids=list(testers),
            created_by=self.owner.id,
        )
        self.save(release)
        return release

    def _version(self, mp: MiniProgram, version: str) -> str:
        key = (mp.id, version)
        if key not in self.versions:
            stored = Version(
                id=new_id("ver"),
                mini_program_id=mp.id,
                version=version,
                package_sha256=hashlib.sha256(f"{mp.id}:{version}".encode()).hexdigest(),
                package_size=100,
                entry_count=3,
                uncompressed_size=300,
                app_json={"pages": ["pages/index/index"]},
                uploaded_by=self.owner.id,
            )
            self.save(stored)
            self.versions[key] = stored.id
        return self.versions[key]

    def listing(
        self,
        mp: MiniProgram,
        partner: PartnerApp,
        online: Release | None = None,
        *,
        removed: bool = False,
    ) -> Listing:
        listing = Listing(
            id=new_id("lst"),
            mini_program_id=mp.id,
            partner_app_id=partner.id,
            online_release_id=online.id if online else None,
            removal_status="removed" if removed else "none",
        )
        self.save(listing)
        return listing
