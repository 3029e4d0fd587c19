"""Where a module specifier leads inside a package, as the mini program's build and runtime
resolve it: relative and root-absolute paths (``./a``, ``../b``, ``/utils/c``), tried as
the file itself, ``.js``, ``.json`` and a folder's ``index.js``; and npm packages
(``dayjs``, ``@scope/ui/button``) under the ``node_modules/`` or ``miniprogram_npm/``
folders of the requiring file's folder or any folder above it, entered through their
``package.json`` (``miniprogram`` folder, then ``main``) or ``index.js``; a path inside a
package (``ui/button``) is looked for in the package, then in its ``miniprogram`` folder.
Pure: reads only the package's files.

The one resolver of the lab: the static rules follow imports with it, and the smoke test's
engine gets its answers as a table (``runtime/scripts.py``) instead of resolving again."""

from __future__ import annotations

import json
import posixpath
import threading
from collections.abc import Mapping
from typing import Final

# Folders npm packages are installed into: npm's own, and the one the WeChat-style npm
# build produces (many Alipay projects ship it too).
PACKAGE_FOLDERS: Final = ("node_modules", "miniprogram_npm")
_EXTENSIONS: Final = ("", ".js", ".json")
_ENTRY_FIELDS: Final = ("miniprogram", "main")


def resolve(files: Mapping[str, bytes], origin: str, specifier: str) -> str | None:
    """The package path ``specifier`` names when required from ``origin`` (a package path),
    or None when nothing in the package answers to it."""
    return _Index.of(files).resolve(origin, specifier)


class _Index:
    """A package's folders and parsed manifests, built once per files mapping: an npm lookup
    asks whether a folder exists at every level up to the root, for every specifier."""

    _lock: Final = threading.Lock()
    _last: tuple[Mapping[str, bytes], _Index] | None = None

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files
        self.folders: set[str] = set()
        for path in files:
            folder = posixpath.dirname(path)
            while folder and folder not in self.folders:
                self.folders.add(folder)
                folder = posixpath.dirname(folder)
        self._manifests: dict[str, dict[str, object]] = {}

    @classmethod
    def of(cls, files: Mapping[str, bytes]) -> _Index:
        # One package at a time is resolved in bulk (a run prepares one package); keeping
        # the last index (and the mapping, so that its identity cannot be reused) is enough.
        last = cls._last
        if last is not None and last[0] is files and len(last[1].files) == len(files):
            return last[1]
        index = cls(files)
        with cls._lock:
            cls._last = (files, index)
        return index

    def resolve(self, origin: str, specifier: str) -> str | None:
        if specifier.startswith(("./", "../", "/")) or specifier in (".", ".."):
            base = "" if specifier.startswith("/") else posixpath.dirname(origin)
            path = _join(base, specifier)
            return None if path is None else self._file_or_folder(path)
        return self._npm(posixpath.dirname(origin), specifier)

    def _file_or_folder(self, path: str) -> str | None:
        for extension in _EXTENSIONS:
            candidate = path + extension
            if candidate and candidate in self.files:
                return candidate
        return self._folder(path)

    def _folder(self, folder: str) -> str | None:
        prefix = f"{folder}/" if folder else ""
        manifest = self._manifest(f"{prefix}package.json")
        for field in _ENTRY_FIELDS:
            entry = manifest.get(field)
            if not isinstance(entry, str) or not entry.strip():
                continue
            path = _join(folder, entry)
            if path is None or path == folder:
                continue
            found = self._file_or_folder(path)
            if found is not None:
                return found
        for extension in (".js", ".json"):
            if f"{prefix}index{extension}" in self.files:
                return f"{prefix}index{extension}"
        return None

    def _npm(self, folder: str, specifier: str) -> str | None:
        name, subpath = _package_name(specifier)
        if name is None:
            return None
        parts = [part for part in folder.split("/") if part]
        while True:
            for packages in PACKAGE_FOLDERS:
                root = "/".join([*parts, packages, name])
                if root not in self.folders:
                    continue
                found = self._inside(root, subpath) if subpath else self._folder(root)
                if found is not None:
                    return found
            if not parts:
                return None
            parts.pop()

    def _inside(self, root: str, subpath: str) -> str | None:
        """``pkg/sub/path``: in the package itself, else in its ``miniprogram`` build folder
        (where component libraries keep what a mini program loads)."""
        found = self._file_or_folder(f"{root}/{subpath}")
        if found is not None:
            return found
        dist = self._manifest(f"{root}/package.json").get("miniprogram")
        if isinstance(dist, str) and dist.strip():
            folder = _join(root, dist)
            if folder is not None and folder != root:
                return self._file_or_folder(f"{folder}/{subpath}")
        return None

    def _manifest(self, path: str) -> dict[str, object]:
        manifest = self._manifests.get(path)
        if manifest is None:
            manifest = self._manifests[path] = _package_json(self.files.get(path))
        return manifest


def _join(base: str, specifier: str) -> str | None:
    """``specifier`` applied to the folder ``base``; None when it climbs out of the package."""
    parts = [part for part in base.split("/") if part]
    for part in specifier.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def _package_name(specifier: str) -> tuple[str | None, str]:
    """(``@scope/name`` or ``name``, the path inside the package)."""
    pieces = specifier.split("/")
    count = 2 if specifier.startswith("@") else 1
    if len(pieces) < count or any(not piece or piece in (".", "..") for piece in pieces[:count]):
        return None, ""
    subpath = "/".join(pieces[count:])
    if any(piece == ".." for piece in pieces[count:]):
        return None, ""
    return "/".join(pieces[:count]), subpath


def _package_json(data: bytes | None) -> dict[str, object]:
    if data is None:
        return {}
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
