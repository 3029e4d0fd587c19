"""What the mini program page shows, read through the same services as the API: the
program and the caller's permissions on it, its workspace, the newest versions and
releases (one page each, never the whole history), and its partner apps. Each list is one
query; the releases' partner apps come from the listings already read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, granted
from minirelease.miniprograms import rules
from minirelease.miniprograms import versions as versions_service
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.miniprograms.models import MiniProgram
from minirelease.pagination import PageRequest
from minirelease.releases import service as releases_service
from minirelease.releases.models import Release
from minirelease.releases.program_listings import program_listings
from minirelease.releases.state import Status
from minirelease.workspaces import service as workspaces

VERSIONS_SHOWN = 5
RELEASES_SHOWN = 10


@dataclass(frozen=True)
class Abilities:
    """What the caller may do on the mini program, so a page offers only that (the services
    enforce it anyway)."""

    edit: bool
    upload: bool
    release: bool
    audit: bool

    @classmethod
    def of(cls, permissions: frozenset[Permission]) -> Abilities:
        return cls(
            edit=Permission.MINI_PROGRAM_EDIT in permissions,
            upload=Permission.VERSION_UPLOAD in permissions,
            release=Permission.RELEASE_MANAGE in permissions,
            audit=Permission.MINI_PROGRAM_AUDIT_READ in permissions,
        )


@dataclass(frozen=True)
class ReleaseRow:
    release: Release
    partner_app: str

    @property
    def percentage(self) -> float | None:
        """The grayscale share in percent, while one is under way."""
        if self.release.status != Status.GRAYSCALE:
            return None
        return self.release.basis_points / 100


def release_rows(releases: list[Release], codes: dict[str, str]) -> list[ReleaseRow]:
    return [ReleaseRow(r, codes.get(r.partner_app_id, "?")) for r in releases]


def default_forms(mp: MiniProgram) -> dict[str, dict[str, str]]:
    return {
        "basic": {"name": mp.name, "description": mp.description, "category": mp.category},
        "domains": {
            "server_domains": "\n".join(mp.server_domains),
            "h5_domains": "\n".join(mp.h5_domains),
        },
        "testers": {"tester_user_ids": "\n".join(mp.tester_user_ids)},
    }


def mini_program_context(
    session: Session, viewer: Principal, mini_program_id: str
) -> dict[str, Any]:
    mp, roles = load_mini_program(session, viewer, mini_program_id)
    workspace = workspaces.get_workspace(session, viewer, workspace_id=mp.workspace_id)
    versions = versions_service.list_versions(
        session, viewer, mini_program_id=mp.id, page=PageRequest(limit=VERSIONS_SHOWN)
    )
    releases = releases_service.list_releases(
        session, viewer, mini_program_id=mp.id, page=PageRequest(limit=RELEASES_SHOWN)
    )
    listings = program_listings(session, viewer, mini_program_id=mp.id)
    codes = {listing.partner_app_id: listing.code for listing in listings}
    return {
        "mp": mp,
        "workspace": workspace,
        "can": Abilities.of(granted(roles)),
        "release_target_label": rules.RELEASE_TARGETS.get(mp.release_target, mp.release_target),
        "categories": rules.CATEGORIES,
        "versions": versions,
        "more_versions": versions.next_cursor is not None,
        "releases": release_rows(list(releases), codes),
        "more_releases": releases.next_cursor is not None,
        "listings": listings,
        "forms": default_forms(mp),
        "errors": {},
        "problems": {},
    }
