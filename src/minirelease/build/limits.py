"""Package size limits on a built package (design §4): the main package and each subpackage
at most ``main_package_bytes`` / ``subpackage_bytes``, everything together ``total_bytes``.

Sizes are the compressed sizes of the entries in the built zip, which is what a partner app
downloads; zip headers are not counted. A file belongs to the subpackage whose root contains
it (the deepest one, should roots ever nest) and otherwise to the main package, so the
platform's ``manifest.json`` counts towards the main package."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from minirelease.errors import PackageInvalid
from minirelease.partners.profile import PackageLimits

MAIN_PACKAGE: Final = "main package"
WHOLE_PACKAGE: Final = "whole package"
RULE: Final = "package-too-large"

LimitName = Literal["main_package_bytes", "subpackage_bytes", "total_bytes"]


@dataclass(frozen=True)
class SizeReport:
    main_package_bytes: int
    # Subpackage root → bytes, in root order; roots without files report 0.
    subpackage_bytes: dict[str, int]
    total_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "main_package_bytes": self.main_package_bytes,
            "subpackage_bytes": dict(self.subpackage_bytes),
            "total_bytes": self.total_bytes,
        }


@dataclass(frozen=True)
class LimitViolation:
    entry: str  # MAIN_PACKAGE, a subpackage root, or WHOLE_PACKAGE
    limit_name: LimitName
    size: int
    limit: int

    @property
    def message(self) -> str:
        named = self.entry in (MAIN_PACKAGE, WHOLE_PACKAGE)
        what = self.entry if named else f"subpackage {self.entry!r}"
        return (
            f"{what} is {_bytes(self.size)} after build; "
            f"the partner app allows {_bytes(self.limit)} ({self.limit_name})"
        )

    def to_error(self) -> PackageInvalid:
        return PackageInvalid(RULE, self.message, entry=self.entry)


def measure_sizes(
    compressed_sizes: Mapping[str, int], subpackage_roots: Iterable[str]
) -> SizeReport:
    """``compressed_sizes`` maps each entry of the built zip to its compressed size."""
    roots = sorted({_normalized_root(root) for root in subpackage_roots})
    # Deepest root first, so a file in a nested root is not counted in its parent.
    by_depth = sorted(roots, key=len, reverse=True)
    per_root = dict.fromkeys(roots, 0)
    main = 0
    for path, size in compressed_sizes.items():
        root = next((r for r in by_depth if path.startswith(r + "/")), None)
        if root is None:
            main += size
        else:
            per_root[root] += size
    return SizeReport(
        main_package_bytes=main,
        subpackage_bytes=per_root,
        total_bytes=main + sum(per_root.values()),
    )


def limit_violations(report: SizeReport, limits: PackageLimits) -> list[LimitViolation]:
    """Every limit the package exceeds: main package, then subpackages by root, then total."""
    checks: list[tuple[str, LimitName, int]] = [
        (MAIN_PACKAGE, "main_package_bytes", report.main_package_bytes),
        *((root, "subpackage_bytes", size) for root, size in report.subpackage_bytes.items()),
        (WHOLE_PACKAGE, "total_bytes", report.total_bytes),
    ]
    violations = []
    for entry, limit_name, size in checks:
        limit = limits[limit_name]
        if size > limit:
            violations.append(LimitViolation(entry, limit_name, size, limit))
    return violations


def check_limits(report: SizeReport, limits: PackageLimits) -> SizeReport:
    """``report`` if the package is within ``limits``; else ``PackageInvalid`` for the first
    limit exceeded (in the order of ``limit_violations``)."""
    violations = limit_violations(report, limits)
    if violations:
        raise violations[0].to_error()
    return report


def _normalized_root(root: str) -> str:
    normalized = root.strip().removeprefix("./").strip("/")
    if not normalized:
        raise ValueError(f"subpackage root {root!r} names no folder")
    return normalized


def _bytes(size: int) -> str:
    return f"{size:,} bytes ({size / (1024 * 1024):.2f} MiB)"
