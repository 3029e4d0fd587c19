"""OS clutter that zip tools put into uploads and the build drops (design §4): macOS Finder
metadata and resource forks, Windows thumbnail caches and folder settings. Pure."""

from __future__ import annotations

from typing import Final

JUNK_FOLDERS: Final = frozenset({"__MACOSX"})
# Compared case-insensitively: Windows writes Thumbs.db and desktop.ini in any case.
JUNK_FILE_NAMES: Final = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
APPLE_DOUBLE_PREFIX: Final = "._"  # resource forks macOS writes beside files


def junk_reason(name: str) -> str | None:
    """Why the zip entry ``name`` is OS clutter that never belongs in a package, or None."""
    parts = name.rstrip("/").split("/")
    folders = parts if name.endswith("/") else parts[:-1]
    if any(part in JUNK_FOLDERS for part in folders):
        return "macOS metadata folder"
    if name.endswith("/"):
        return None
    base = parts[-1]
    if base.lower() in JUNK_FILE_NAMES:
        return "desktop metadata file"
    if base.startswith(APPLE_DOUBLE_PREFIX):
        return "macOS resource fork"
    return None
