"""Where a module specifier leads inside a package, as the mini program's build and runtime
resolve it: relative and root-absolute paths (``./a``, ``../b``, ``/utils/c``), tried as
the file itself, ``.js``, ``.json`` and a folder's ``index.js``; and npm packages
(``dayjs``, ``@scope/ui/button``) under the ``node_modules/`` or ``miniprogram_npm/``
folders of the requiring file's folder or any folder above it, entered through their
``package.json`` (``miniprogram`` folder, then ``main``) or ``index.js``. Pure: reads only
the package's files."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Final

# Folders npm packages are installed into: npm's own, and the one the WeChat-style npm
# build produces (many Alipay projects ship it too).
PACKAGE_FOLDERS: Final = ("node_modules", "miniprogram_npm")
_EXTENSIONS: Final = ("", ".js", ".json")


def resolve(files: Mapping[str, bytes], origin: str, specifier: str) -> str | None:
    """The package path ``specifier`` names when required from ``origin`` (a package path),
    or None when nothing in the package answers to it."""
    if specifier.startswith(("./", "../", "/")) or specifier in (".", ".."):
        base = "" if specifier.startswith("/") else posixpath.dirname(origin)
        path = _join(base, specifier)
        return None if path is None else _file_or_folder(files, path)
    return _npm(files, posixpath.dirname(origin), specifier)


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


def _file_or_folder(files: Mapping[str, bytes], path: str) -> str | None:
    for extension in _EXTENSIONS:
        candidate = path + extension
        if candidate in files and candidate:
            return candidate
    return _folder(files, path)


def _folder(files: Mapping[str, bytes], folder: str) -> str | None:
    prefix = f"{folder}/" if folder else ""
    manifest = _package_json(files.get(f"{prefix}package.json"))
    for field in ("miniprogram", "main"):
        entry = manifest.get(field)
        if not isinstance(entry, str) or not entry.strip():
            continue
        path = _join(folder, entry)
        if path is None or path == folder:
            continue
        found = _file_or_folder(files, path)
        if found is not None:
            return found
    return next(
        (
            f"{prefix}index{extension}"
            for extension in (".js", ".json")
            if f"{prefix}index{extension}" in files
        ),
        None,
    )


def _npm(files: Mapping[str, bytes], folder: str, specifier: str) -> str | None:
    name, subpath = _package_name(specifier)
    if name is None:
        return None
    parts = [part for part in folder.split("/") if part]
    while True:
        for packages in PACKAGE_FOLDERS:
            root = "/".join([*parts, packages, name])
            if subpath:
                found = _file_or_folder(files, f"{root}/{subpath}")
            else:
                found = _folder(files, root) if _holds(files, root) else None
            if found is not None:
                return found
        if not parts:
            return None
        parts.pop()


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


def _holds(files: Mapping[str, bytes], folder: str) -> bool:
    prefix = folder + "/"
    return any(path.startswith(prefix) for path in files)


def _package_json(data: bytes | None) -> dict[str, object]:
    if data is None:
        return {}
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
