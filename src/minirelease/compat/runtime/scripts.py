"""A package's scripts as the engine loads them, prepared once per package in the job (the
engine's process only evaluates them), under a digest that names them: an engine process
keeps the last scripts it was given and is sent them again only under another name."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from minirelease.compat.runtime.asyncwrap import track_async_functions


@dataclass(frozen=True, eq=False)
class Scripts:
    key: str  # sha256 of the paths and sources
    sources: Mapping[str, str]

    @classmethod
    def of(cls, sources: Mapping[str, str]) -> Scripts:
        digest = hashlib.sha256()
        for path in sorted(sources):
            for part in (path, sources[path]):
                encoded = part.encode("utf-8", errors="surrogatepass")
                digest.update(len(encoded).to_bytes(8, "big") + encoded)
        return cls(digest.hexdigest(), dict(sources))


def scripts_of(files: Mapping[str, bytes]) -> Scripts:
    """The package's ``.js`` files, async functions made observable, decoded as the engine
    reads them."""
    return Scripts.of(
        {
            path: track_async_functions(data).decode("utf-8-sig", errors="replace")
            for path, data in files.items()
            if path.endswith(".js")
        }
    )
