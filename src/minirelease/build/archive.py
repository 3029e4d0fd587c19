"""A zip writer whose bytes depend only on the names and contents given to it (design §4:
same input and configuration → same package).

Everything a zip records besides names and contents is fixed: entries in ascending name
order (one final entry excepted), timestamp 1980-01-01 00:00:00, mode 0644, Unix as the
creating system, deflate at one level, UTF-8 name flag always set, no extra fields, no
comments, no data descriptors.
The deflate stream itself comes from the zlib the interpreter links, so byte-identity holds
for one build environment (the same zlib), which is what reproducing a build needs."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import TracebackType
from typing import Final

FIXED_DATE_TIME: Final = (1980, 1, 1, 0, 0, 0)
FILE_MODE: Final = 0o644
UNIX: Final = 3  # "version made by" host system
DEFLATE_LEVEL: Final = 9
UTF8_NAME_FLAG: Final = 0x800


class _Utf8NamedInfo(zipfile.ZipInfo):
    """zipfile flags names as UTF-8 only when they are not ASCII; flagging every name means
    no reader ever falls back to a legacy code page, and ASCII names encode identically.
    This overrides a private zipfile hook (3.11-3.13); tests read the flag from raw bytes."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("utf-8"), self.flag_bits | UTF8_NAME_FLAG


class DeterministicZip:
    """``with DeterministicZip(path) as archive: archive.add(name, data)``, names ascending,
    then optionally ``archive.add_final(name, data)``."""

    def __init__(self, path: Path) -> None:
        # A seekable file: headers are patched in place, so no data descriptors are written.
        self._zip = zipfile.ZipFile(path, "w", allowZip64=False)
        self._last_name: str | None = None
        self._closed_to_adds = False

    def add(self, name: str, data: bytes) -> None:
        if self._closed_to_adds:
            raise ValueError(f"{name!r} added after the final entry")
        if self._last_name is not None and name <= self._last_name:
            raise ValueError(
                f"entries must be added in ascending order: {name!r} after {self._last_name!r}"
            )
        self._write(name, data)

    def add_final(self, name: str, data: bytes) -> None:
        """The one entry that stands last whatever its name (the package's manifest)."""
        if self._closed_to_adds:
            raise ValueError(f"{name!r} added after the final entry")
        self._closed_to_adds = True
        self._write(name, data)

    def _write(self, name: str, data: bytes) -> None:
        if not name or name.endswith("/"):
            raise ValueError(f"{name!r} is not a file name; folders are not stored")
        self._last_name = name
        info = _Utf8NamedInfo(name, date_time=FIXED_DATE_TIME)
        info.create_system = UNIX
        info.external_attr = FILE_MODE << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data, compresslevel=DEFLATE_LEVEL)

    def compressed_sizes(self) -> dict[str, int]:
        return {info.filename: info.compress_size for info in self._zip.infolist()}

    def __enter__(self) -> DeterministicZip:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._zip.close()
