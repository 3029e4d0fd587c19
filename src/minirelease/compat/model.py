"""The vocabulary of a compatibility run (design §5): the cells of the matrix, what a cell
is tested against, and the findings rules produce. Pure data, no I/O.

A ``Cell`` names one combination of profiles: partner app x OS version x network x device
(``wallet/android-14/wifi/mid``); network and device are optional, for matrices without
them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from minirelease.compat.profiles import DeviceProfile, NetworkProfile, OsProfile
from minirelease.partners.profile import CapabilityProfile, PackageLimits

Severity = Literal["fail", "warn"]

# The rule ids of design §5.
PACKAGE_TOO_LARGE: Final = "package-too-large"
PAGE_MISSING: Final = "page-missing"
DOMAIN_NOT_WHITELISTED: Final = "domain-not-whitelisted"
INSECURE_URL: Final = "insecure-url"
JSAPI_UNSUPPORTED: Final = "jsapi-unsupported"
COMPONENT_UNSUPPORTED: Final = "component-unsupported"
SYNTAX_UNSUPPORTED: Final = "syntax-unsupported"
SLOW_FIRST_DOWNLOAD: Final = "slow-first-download"
IMAGE_TOO_LARGE: Final = "image-too-large"
MEMORY_RISK: Final = "memory-risk"
# Found by running the lifecycle in an embedded engine (compat/runtime).
RUNTIME_EXCEPTION: Final = "runtime-exception"
UNHANDLED_REJECTION: Final = "unhandled-rejection"
STARTUP_TIMEOUT: Final = "startup-timeout"
OFFLINE_CRASH: Final = "offline-crash"
RUNTIME_RULE_IDS: Final = (
    RUNTIME_EXCEPTION,
    UNHANDLED_REJECTION,
    STARTUP_TIMEOUT,
    OFFLINE_CRASH,
    JSAPI_UNSUPPORTED,
)
# Not a rule of design §5 but the lab saying it could not finish one: the engine's process
# crashed, hung or outgrew its memory while running the lifecycle, so the runtime checks
# of the cells concerned are missing (the static rules' findings still stand).
RUNTIME_CRASHED: Final = "runtime-crashed"


@dataclass(frozen=True, order=True)
class Cell:
    partner_app: str
    platform: str  # "android" | "ios"
    os_version: str
    network: str | None = None
    device: str | None = None

    @property
    def id(self) -> str:
        parts = [self.partner_app, f"{self.platform}-{self.os_version}"]
        parts += [part for part in (self.network, self.device) if part is not None]
        return "/".join(parts)


@dataclass(frozen=True)
class Target:
    """What the package is tested against that is the same in every cell of the run: the
    partner app's capabilities and limits, and the mini program's whitelists (normalized
    hosts, ``*.`` wildcards allowed)."""

    partner_app: str
    jsapis: frozenset[str]
    components: frozenset[str]
    # Left out of the hash (a dict is unhashable) but not of equality, which stays exact.
    limits: PackageLimits = field(hash=False)
    server_domains: tuple[str, ...] = ()
    h5_domains: tuple[str, ...] = ()

    @classmethod
    def from_profile(
        cls,
        partner_app: str,
        profile: CapabilityProfile,
        limits: PackageLimits,
        *,
        server_domains: tuple[str, ...] = (),
        h5_domains: tuple[str, ...] = (),
    ) -> Target:
        return cls(
            partner_app=partner_app,
            jsapis=frozenset(profile["jsapis"]),
            components=frozenset(profile["components"]),
            limits=limits,
            server_domains=server_domains,
            h5_domains=h5_domains,
        )


@dataclass(frozen=True)
class CellContext:
    """Everything a rule may look at for one cell: the partner app's target and the cell's
    OS, network and device profiles (None in a matrix without that dimension; rules that
    need one then have nothing to judge)."""

    cell: Cell
    target: Target
    os: OsProfile | None = None
    network: NetworkProfile | None = None
    device: DeviceProfile | None = None


@dataclass(frozen=True, order=True)
class Finding:
    """What a rule reports, before the analyzer says which cells it applies to. Positions
    are 1-based (the column counts characters); ``file`` is None for package-wide
    findings."""

    rule: str
    file: str | None
    line: int | None
    column: int | None
    message: str
    severity: Severity = "fail"


@dataclass(frozen=True)
class MatrixFinding:
    finding: Finding
    cells: tuple[str, ...]  # cell ids, in matrix order

    def to_dict(self, finding_id: str) -> dict[str, Any]:
        finding = self.finding
        return {
            "id": finding_id,
            "rule": finding.rule,
            "severity": finding.severity,
            "message": finding.message,
            "file": finding.file,
            "line": finding.line,
            "column": finding.column,
            "cells": list(self.cells),
        }


def os_cells(partner_app: str, profile: CapabilityProfile) -> list[Cell]:
    """The matrix of this issue: the partner app x every OS version its profile supports,
    Android first, versions in profile order."""
    return [
        Cell(partner_app, platform, version)
        for platform, versions in profile["os_versions"].items()
        for version in versions
    ]
