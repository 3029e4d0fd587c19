"""The package rules of design §4 as data and pure functions: the limits, the rule ids a
refusal names, and the checks on entry names and page paths. No I/O."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from typing import Literal

from minirelease.errors import PackageInvalid

MiB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_upload_bytes: int = 20 * MiB
    max_entries: int = 5000
    max_ratio: int = 100
    max_name_bytes: int = 255
    # Sanity cap on what a package may expand to: decompressing it is CPU spent on every
    # upload, and a built package may hold 8 MiB at most anyway.
    max_total_uncompressed: int = 256 * MiB
    # Entries (and packages) expanding to no more than this are exempt from the ratio rule:
    # a blank template or a repetitive JSON file legitimately compresses far beyond 100:1,
    # and expanding it is harmless.
    ratio_exempt_bytes: int = 1 * MiB
    max_app_json_bytes: int = 1 * MiB


# Rule ids, as named in the problem body's ``rule``.
UPLOAD_TOO_LARGE = "upload-too-large"
NOT_A_ZIP = "not-a-zip"
CORRUPT_ZIP = "corrupt-zip"
TOO_MANY_ENTRIES = "too-many-entries"
OVERLAPPING_ENTRIES = "overlapping-entries"
NAME_NOT_UTF8 = "name-not-utf8"
NAME_TOO_LONG = "name-too-long"
CONTROL_CHARACTER = "control-character"
ABSOLUTE_PATH = "absolute-path"
BACKSLASH_IN_NAME = "backslash-in-name"
PARENT_PATH = "parent-path"
PATH_NOT_NORMALIZED = "path-not-normalized"
DUPLICATE_NAME = "duplicate-name"
CASE_COLLISION = "case-collision"
SYMLINK = "symlink"
SPECIAL_FILE = "special-file"
ENCRYPTED_ENTRY = "encrypted-entry"
UNSUPPORTED_COMPRESSION = "unsupported-compression"
COMPRESSION_RATIO = "compression-ratio"
UNCOMPRESSED_TOO_LARGE = "uncompressed-too-large"
DECLARED_SIZE_MISMATCH = "declared-size-mismatch"
CRC_MISMATCH = "crc-mismatch"
APP_JSON_MISSING = "app-json-missing"
APP_JSON_INVALID = "app-json-invalid"
APP_JS_MISSING = "app-js-missing"
PAGE_MISSING = "page-missing"

APP_JSON = "app.json"
APP_JS = "app.js"
PAGE_FILE_SUFFIXES = (".axml", ".js")  # required; .acss and .json are optional

STORED = 0
DEFLATED = 8
SUPPORTED_METHODS = {STORED: "stored", DEFLATED: "deflate"}

EntryKind = Literal["file", "directory", "symlink", "special"]


def refuse(rule: str, message: str, entry: str | None = None) -> PackageInvalid:
    """The error for a broken rule; its detail starts with the rule id."""
    return PackageInvalid(rule, f"{rule}: {message}", entry)


def display_name(raw: bytes) -> str:
    """A name as it may be shown in a message, even when it is not UTF-8."""
    return raw.decode("utf-8", errors="backslashreplace")


def _has_control_character(text: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


def _is_absolute(path: str) -> bool:
    """A leading slash or backslash (UNC paths too), or a Windows drive letter."""
    drive = len(path) >= 2 and path[1] == ":" and path[0].isascii() and path[0].isalpha()
    return drive or path.startswith(("/", "\\"))


def check_entry_name(raw: bytes, limits: UploadLimits) -> str:
    """Return the entry's name, or raise when extracting it could escape the project root
    or mean different files on different systems."""
    shown = display_name(raw)
    try:
        # Strict UTF-8 whether or not the entry sets the UTF-8 flag (bit 11): tools that
        # leave it unset still write UTF-8, and anything else would be read as mojibake.
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse(NAME_NOT_UTF8, f"entry name {shown!r} is not valid UTF-8", shown) from None
    if len(raw) > limits.max_name_bytes:
        raise refuse(
            NAME_TOO_LONG,
            f"entry name {shown!r} is {len(raw)} bytes; at most {limits.max_name_bytes}",
            name,
        )
    if _has_control_character(name):
        raise refuse(CONTROL_CHARACTER, f"entry name {shown!r} holds a control character", name)
    if _is_absolute(name):
        raise refuse(ABSOLUTE_PATH, f"entry {name!r} is an absolute path", name)
    if "\\" in name:
        raise refuse(BACKSLASH_IN_NAME, f"entry {name!r} uses a backslash; use '/'", name)
    parts = name.removesuffix("/").split("/")
    if ".." in parts:
        raise refuse(PARENT_PATH, f"entry {name!r} contains a '..' component", name)
    if any(part in ("", ".") for part in parts):
        raise refuse(
            PATH_NOT_NORMALIZED, f"entry {name!r} has an empty or '.' path component", name
        )
    return name


def entry_kind(name: str, external_attr: int) -> EntryKind:
    """What extracting the entry would create, from the Unix mode in the high 16 bits of
    its external attributes (zero when the archiver did not record one)."""
    file_type = stat.S_IFMT(external_attr >> 16)
    if file_type == stat.S_IFLNK:
        return "symlink"
    if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "special"
    if name.endswith("/") or file_type == stat.S_IFDIR:
        return "directory"
    return "file"


def ratio_exceeded(uncompressed: int, compressed: int, limits: UploadLimits) -> bool:
    if uncompressed <= limits.ratio_exempt_bytes:
        return False
    return uncompressed > limits.max_ratio * max(compressed, 1)


def is_os_junk(name: str) -> bool:
    """Entries the build drops (they still count toward every limit)."""
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1] == ".DS_Store"


def relative_path_problem(path: str) -> str | None:
    """Why ``path`` is not a clean path relative to the project root, or None."""
    if not path:
        return "is empty"
    if len(path.encode("utf-8")) > 255:
        return "is longer than 255 bytes"
    if _has_control_character(path):
        return "holds a control character"
    if _is_absolute(path):
        return "is absolute; paths are relative to the project root"
    if "\\" in path:
        return "uses a backslash; use '/'"
    parts = path.split("/")
    if ".." in parts:
        return "contains '..'"
    if any(part in ("", ".") for part in parts):
        return "has an empty or '.' component"
    return None


def page_path_problem(page: str) -> str | None:
    """Why ``page`` is not a valid page path ("pages/index/index"), or None."""
    problem = relative_path_problem(page)
    if problem is None and "." in page.rsplit("/", 1)[-1]:
        return "has a file extension; name the page without .axml/.js"
    return problem


def page_files(page: str, root: str = "") -> tuple[str, ...]:
    """The entries a page needs: ``<root>/<page>.axml`` and ``.js``."""
    base = f"{root}/{page}" if root else page
    return tuple(base + suffix for suffix in PAGE_FILE_SUFFIXES)
