"""What "Test Compatibility" may be narrowed to, and how a run was narrowed: the console
offers the partner app's matrix as it is now (its OS versions x every network x every
device), and "Retest" starts a new run narrowed as the last one was.

A narrowing is what ``compat_runs.start_run`` takes: ``os``, ``networks`` and ``devices``,
each a list of names or None for all of that dimension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.authz import Principal
from minirelease.compat.matrix import FULL, build_matrix
from minirelease.compat.profile_store import current_profiles
from minirelease.pagination import PageRequest
from minirelease.partners.models import PartnerApp
from minirelease.releases import compat_runs
from minirelease.releases.access import load_release
from minirelease.releases.compat_gate import recorded_scope
from minirelease.releases.models import CompatibilityRun, Release

DIMENSIONS = ("os", "networks", "devices")


@dataclass(frozen=True)
class MatrixChoices:
    """The names of each dimension of the partner app's whole matrix, in matrix order."""

    os: tuple[str, ...]
    networks: tuple[str, ...]
    devices: tuple[str, ...]

    @property
    def cells(self) -> int:
        return len(self.os) * len(self.networks) * len(self.devices)


@dataclass(frozen=True)
class Narrowing:
    """The names a run was narrowed to in each dimension; None where it took them all."""

    os: tuple[str, ...] | None = None
    networks: tuple[str, ...] | None = None
    devices: tuple[str, ...] | None = None

    @property
    def whole(self) -> bool:
        return self.os is None and self.networks is None and self.devices is None

    def as_arguments(self) -> dict[str, list[str] | None]:
        """``start_run``'s keyword arguments for a run narrowed the same way."""
        return {
            name: None if chosen is None else list(chosen)
            for name, chosen in zip(DIMENSIONS, (self.os, self.networks, self.devices), strict=True)
        }


def matrix_choices(session: Session, principal: Principal, *, release_id: str) -> MatrixChoices:
    """The partner app's whole matrix for a run of the release started now;
    ``ValidationFailed`` when it cannot be built (an OS version without a profile)."""
    release, _, _ = load_release(session, principal, release_id)
    return choices_for(session, release)


def choices_for(session: Session, release: Release) -> MatrixChoices:
    """``matrix_choices`` for a release the caller has loaded (and may see)."""
    partner = session.get(PartnerApp, release.partner_app_id)
    assert partner is not None
    matrix = build_matrix(
        partner.code, partner.capability_profile["os_versions"], current_profiles(session)
    )
    return MatrixChoices(
        os=tuple(os.name for os in matrix.os),
        networks=tuple(network.name for network in matrix.networks),
        devices=tuple(device.name for device in matrix.devices),
    )


def recent_runs(session: Session, release: Release, *, limit: int) -> list[CompatibilityRun]:
    """The latest ``limit`` runs of a release the caller has loaded, newest first (ids
    grow with time), their reports left unloaded."""
    return list(
        session.scalars(
            select(CompatibilityRun)
            .where(CompatibilityRun.release_id == release.id)
            .order_by(CompatibilityRun.id.desc())
            .limit(limit)
        )
    )


def narrowing_of(run: CompatibilityRun, whole: MatrixChoices | None = None) -> Narrowing:
    """How ``run`` was narrowed, read from its stored matrix. A run recorded as covering
    the whole matrix is not narrowed; otherwise each dimension that covered every name of
    ``whole`` (when given) counts as not narrowed either, so a retest takes in what was
    added to the matrix since."""
    if recorded_scope(run) == FULL:
        return Narrowing()
    matrix: dict[str, Any] = run.matrix
    taken = {
        "os": tuple(
            f"{platform}-{version}"
            for platform, versions in (matrix.get("os_versions") or {}).items()
            for version in versions
        ),
        "networks": tuple(matrix.get("networks") or ()),
        "devices": tuple(matrix.get("devices") or ()),
    }
    every = (
        {}
        if whole is None
        else dict(zip(DIMENSIONS, (whole.os, whole.networks, whole.devices), strict=True))
    )
    chosen = {
        name: None if name in every and set(every[name]) <= set(names) else names
        for name, names in taken.items()
    }
    return Narrowing(**chosen)


def latest_run(
    session: Session, principal: Principal, *, release_id: str
) -> CompatibilityRun | None:
    """The release's most recently started run, whatever its status."""
    runs = compat_runs.list_runs(
        session, principal, release_id=release_id, page=PageRequest(limit=1)
    )
    return runs[0] if runs else None
