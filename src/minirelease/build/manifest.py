"""The package manifest (design §4), and canonical JSON, the one encoding of everything
signed. Canonical JSON lives in the resolver SDK, which partner apps use to verify the
rollout manifest; it is re-exported here for the build."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from minirelease.resolver.canonical import canonical_json as canonical_json

MANIFEST_NAME: Final = "manifest.json"
# Bumped whenever the manifest's shape changes, so clients can refuse what they don't know.
MANIFEST_FORMAT: Final = 1


@dataclass(frozen=True)
class FileRecord:
    """One file of a built package as the manifest lists it: uncompressed size and digest."""

    path: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


def package_manifest(
    files: Iterable[FileRecord],
    *,
    base_library_version: str,
    configuration: dict[str, Any],
    build_tool: dict[str, str],
) -> dict[str, Any]:
    """The manifest written into the package (every file but itself, sorted by path)."""
    records = sorted(files, key=lambda record: record.path)
    paths = [record.path for record in records]
    if len(set(paths)) != len(paths) or MANIFEST_NAME in paths:
        raise ValueError("manifest files must be unique and must not include the manifest")
    return {
        "format": MANIFEST_FORMAT,
        "base_library_version": base_library_version,
        "configuration": configuration,
        "build_tool": build_tool,
        "files": [record.to_dict() for record in records],
    }
