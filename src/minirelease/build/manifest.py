"""Canonical JSON and the package manifest (design §4).

A signature covers bytes, not values, so everything signed is first encoded one way only:
keys sorted, no insignificant whitespace, UTF-8 without escapes, no NaN or infinities."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

MANIFEST_NAME: Final = "manifest.json"
# Bumped whenever the manifest's shape changes, so clients can refuse what they don't know.
MANIFEST_FORMAT: Final = 1


def canonical_json(obj: object) -> bytes:
    """The one encoding of ``obj`` that is signed and stored. Floats are refused: their text
    form is not canonical across implementations, and nothing signed here needs them."""
    _refuse_floats(obj)
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _refuse_floats(obj: object) -> None:
    if isinstance(obj, float):
        raise TypeError(f"canonical JSON does not encode floats ({obj!r}); use integers")
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON needs string keys, got {key!r}")
            _refuse_floats(value)
    elif isinstance(obj, list | tuple):
        for item in obj:
            _refuse_floats(item)


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
