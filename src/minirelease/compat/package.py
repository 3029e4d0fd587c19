"""A built package (design §4) as the compatibility step reads it: the text files rules look
at, and every entry's compressed size for the size limits."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from minirelease.build.archive import DEFLATE_LEVEL
from minirelease.build.manifest import MANIFEST_NAME
from minirelease.compat.images import is_image

# The files rules parse; images are read for their headers; styles and .sjs modules are
# read as text (the images they name are shown).
ANALYZED_SUFFIXES: Final = (".js", ".axml", ".json")
TEXT_SUFFIXES: Final = (".acss", ".sjs")


@dataclass(frozen=True)
class BuiltPackage:
    files: Mapping[str, bytes]  # path → content, at least every analyzed file and image
    compressed_sizes: Mapping[str, int]  # every entry of the package, manifest included

    @classmethod
    def from_zip(cls, path: Path) -> BuiltPackage:
        """Read a package the build wrote; only the analyzed files and images are loaded."""
        with zipfile.ZipFile(path) as archive:
            entries = [info for info in archive.infolist() if not info.is_dir()]
            return cls(
                files={
                    info.filename: archive.read(info)
                    for info in entries
                    if is_analyzed(info.filename)
                    or is_image(info.filename)
                    or info.filename.endswith(TEXT_SUFFIXES)
                },
                compressed_sizes={info.filename: info.compress_size for info in entries},
            )

    @classmethod
    def from_build(cls, built: Path, uploaded: Path) -> BuiltPackage:
        """The built package's sizes with the uploaded text of each file it kept: findings
        then point at the lines the developer wrote, not into minified code (same calls,
        same URLs)."""
        package = cls.from_zip(built)
        source = cls.from_zip(uploaded)
        files = {path: source.files.get(path, data) for path, data in package.files.items()}
        return cls(files=files, compressed_sizes=package.compressed_sizes)

    @classmethod
    def from_files(cls, files: Mapping[str, bytes]) -> BuiltPackage:
        """A package from its files, sized as the build's zip would store them (raw deflate
        at the build's level is exactly what a zip entry holds)."""
        return cls(
            files=dict(files),
            compressed_sizes={path: deflated_size(data) for path, data in files.items()},
        )


def is_analyzed(path: str) -> bool:
    return path.endswith(ANALYZED_SUFFIXES) and path != MANIFEST_NAME


def deflated_size(data: bytes) -> int:
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return len(compressor.compress(data)) + len(compressor.flush())
