"""A mini program and the people around it, for the console's mini program pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.releases.models import Listing, Release
from minirelease.workspaces.models import Workspace
from tests.factories import Actor, Factory


@dataclass
class Team:
    workspace: Workspace
    owner: Actor
    master: Actor
    developer: Actor  # assigned to mp
    other_developer: Actor  # a developer of the workspace, not assigned to mp
    mp: MiniProgram

    @property
    def page(self) -> str:
        return f"/mini-programs/{self.mp.id}"


def team(factory: Factory, **fields: Any) -> Team:
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner, **fields)
    return Team(
        workspace=workspace,
        owner=owner,
        master=factory.member(workspace, "master"),
        developer=factory.member(workspace, "developer", mini_programs=(mp,)),
        other_developer=factory.member(workspace, "developer"),
        mp=mp,
    )


def reload(session_factory: sessionmaker[Any], mp_id: str) -> MiniProgram:
    with session_factory() as session:
        mp = session.get(MiniProgram, mp_id)
        assert mp is not None
        session.expunge(mp)
        return mp


def audit_actions(session_factory: sessionmaker[Any], mp_id: str, action: str) -> int:
    with session_factory() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.mini_program_id == mp_id, AuditEvent.action == action)
            )
            or 0
        )


def add_releases(
    session_factory: sessionmaker[Any], t: Team, partner_app_id: str, count: int
) -> None:
    """``count`` versions, each released (as rows) to the partner app: a long history."""
    with session_factory() as session:
        for n in range(count):
            version = Version(
                id=new_id("ver"),
                mini_program_id=t.mp.id,
                version=f"0.{n}.0",
                package_sha256=f"{n:064x}",
                package_size=1000,
                entry_count=5,
                uncompressed_size=3000,
                app_json={"pages": ["pages/index/index"], "subPackages": []},
                uploaded_by=t.owner.id,
            )
            session.add(version)
            session.add(
                Release(
                    id=new_id("rel"),
                    mini_program_id=t.mp.id,
                    partner_app_id=partner_app_id,
                    version_id=version.id,
                    version=version.version,
                    status="grayscale" if n % 2 else "archived",
                    basis_points=500,
                    configuration={},
                    created_by=t.owner.id,
                )
            )
        if session.scalar(select(Listing.id).where(Listing.mini_program_id == t.mp.id)) is None:
            session.add(
                Listing(id=new_id("lst"), mini_program_id=t.mp.id, partner_app_id=partner_app_id)
            )
        session.commit()
