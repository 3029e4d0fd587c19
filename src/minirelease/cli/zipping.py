"""Packing a project for ``minirelease upload`` and refusing, before anything is sent, what
the server would refuse.

A directory becomes a zip of its contents (app.json at the root), written the way the
build writes packages (build/archive.py: sorted names, fixed dates and modes), without
version-control and editor folders, ``node_modules`` and the OS clutter the build drops
anyway (build/junk.py). A symbolic link is packed as the file it points at when that lies
inside the project; one pointing outside is refused, as the server refuses links.

Every zip, packed here or given, is then judged by the server's own package rules
(packages/zipcheck.py, pure and standard-library only), so the client refuses exactly what
the server would. The version string is checked by a copy of the server's semver rule
(miniprograms/versions.py loads the database layer); tests/cli/test_zipping.py checks both
agree. The server's upload limit is configurable and no endpoint reports it: the client
applies the documented default unless told otherwise."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from minirelease.cli.exits import CliError, Exit

MiB: Final = 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES: Final = 20 * MiB  # the server's default (config.py)
# Folders of tools, never part of a mini program.
DEV_FOLDERS: Final = frozenset({".git", ".svn", ".hg", "node_modules", ".idea", ".vscode"})
# The server's rule (miniprograms/versions.py), copied: that module loads SQLAlchemy.
SEMVER: Final = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
MAX_VERSION_LENGTH: Final = 64
MAX_DESCRIPTION_LENGTH: Final = 200
PACKAGE_INVALID: Final = "package_invalid"  # the server's problem code for these refusals


@dataclass(frozen=True)
class CheckedPackage:
    path: Path
    size: int
    entry_count: int
    uncompressed_size: int
    pages: tuple[str, ...]


def _invalid_field(field: str, message: str) -> CliError:
    return CliError(f"{field}: {message}", code="validation_error", exit_code=Exit.FAILED)


def _refuse(rule: str, message: str) -> CliError:
    """Worded as the server words it: the detail starts with the rule id."""
    return CliError(f"{rule}: {message}", code=PACKAGE_INVALID, exit_code=Exit.FAILED)


def check_version(value: str) -> str:
    value = value.strip()
    if not value:
        raise _invalid_field("version", "required: a semantic version such as 1.0.0")
    if len(value) > MAX_VERSION_LENGTH:
        raise _invalid_field("version", f"at most {MAX_VERSION_LENGTH} characters")
    if not SEMVER.fullmatch(value):
        raise _invalid_field("version", f"{value!r} is not a semantic version (semver.org 2.0.0)")
    return value


def check_description(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise _invalid_field("description", f"at most {MAX_DESCRIPTION_LENGTH} characters")
    return value


def excluded(name: str, patterns: Sequence[str] = ()) -> bool:
    """Whether the project path ``name`` (``/``-separated; folders end with ``/``) is left
    out of the zip."""
    from minirelease.build.junk import junk_reason

    parts = name.rstrip("/").split("/")
    folders = parts if name.endswith("/") else parts[:-1]
    if any(part in DEV_FOLDERS for part in folders):
        return True
    if junk_reason(name) is not None:
        return True
    path = name.rstrip("/")
    return any(
        fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(parts[-1], pattern)
        for pattern in patterns
    )


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def project_files(
    root: Path, patterns: Sequence[str] = (), max_entries: int = 5000
) -> list[tuple[str, Path]]:
    """The files to pack, as (name in the zip, file to read), in the zip's order."""
    real_root = root.resolve()
    found: list[tuple[str, Path]] = []
    real_of: dict[str, Path] = {}
    for folder, subfolders, files in os.walk(root, followlinks=True):
        here = Path(folder)
        real = here.resolve()
        relative = here.relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        if not _inside(real, real_root):
            raise _refuse("symlink", f"{prefix.rstrip('/')!r} links outside the project")
        ancestors = [real_of.get(parent) for parent in _parents(relative)]
        if real in ancestors:  # a link to a folder it is in: packing it would never end
            subfolders.clear()
            continue
        real_of[relative] = real
        subfolders[:] = sorted(d for d in subfolders if not excluded(f"{prefix}{d}/", patterns))
        for file_name in files:
            name = prefix + file_name
            if excluded(name, patterns):
                continue
            path = here / file_name
            _check_file(name, path, real_root)
            found.append((name, path))
            if len(found) > max_entries:
                raise _refuse("too-many-entries", f"the project has more than {max_entries} files")
    return sorted(found)


def _parents(relative: str) -> list[str]:
    """The folders above ``relative`` (``.`` being the root), nearest last."""
    if relative == ".":
        return []
    parts = relative.split("/")
    return [".", *("/".join(parts[:i]) for i in range(1, len(parts)))]


def _check_file(name: str, path: Path, real_root: Path) -> None:
    if path.is_symlink() and not _inside(path.resolve(), real_root):
        raise _refuse("symlink", f"{name!r} links outside the project")
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # a dangling link, or unreadable
        raise _refuse("special-file", f"{name!r} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise _refuse("special-file", f"{name!r} is a device, FIFO or socket")


def zip_project(root: Path, out: Path, patterns: Sequence[str] = ()) -> int:
    """Pack the project directory ``root`` into ``out``; returns the number of files."""
    from minirelease.build.archive import DeterministicZip

    files = project_files(root, patterns)
    with DeterministicZip(out) as archive:
        for name, path in files:
            archive.add(name, path.read_bytes())
    return len(files)


def check_package(path: Path, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> CheckedPackage:
    """The zip at ``path`` judged by the server's package rules, or the refusal."""
    from minirelease.errors import PackageInvalid
    from minirelease.packages.rules import UploadLimits
    from minirelease.packages.zipcheck import inspect_package

    try:
        info = inspect_package(path, UploadLimits(max_upload_bytes=max_bytes))
    except PackageInvalid as error:
        raise CliError(error.detail, code=PACKAGE_INVALID, exit_code=Exit.FAILED) from None
    pages = tuple(
        f"{root}/{page}" if root else page for root, page in info.manifest.page_locations()
    )
    return CheckedPackage(
        path=path,
        size=path.stat().st_size,
        entry_count=info.entry_count,
        uncompressed_size=info.uncompressed_size,
        pages=pages,
    )


def pack(
    source: Path,
    scratch: Path,
    *,
    patterns: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> CheckedPackage:
    """``source`` (a project directory or a zip) as a checked zip; a directory is packed
    into ``scratch``."""
    if source.is_dir():
        path = scratch / "package.zip"
        zip_project(source, path, patterns)
    else:
        path = source
    return check_package(path, max_bytes)
