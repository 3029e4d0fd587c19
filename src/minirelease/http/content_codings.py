"""The content codings responses are compressed in (RFC 9110 §8.4.1), in the server's order
of preference: zstd, then br (brotli), then gzip; and a body's bytes in each coding, made
once and kept with the body.

Levels, measured on a manifest of 10,000 mini programs shaped as in production (5.1 MB;
a sha256, an Ed25519 signature and a release id per package, random to any coding, so
about 3:1 at best) on one core, the best of several runs on a loaded machine:

=========  =======  =====  ==========================================================
coding     size     ratio  CPU, and why this level
=========  =======  =====  ==========================================================
zstd 3     1.69 MB  3.02   46 ms; levels 6 to 12 gain under 1 % for 2 to 6 times more
br 5       1.67 MB  3.05   140 ms; 6 and 7 gain nothing for 2 to 6 times more, and 4 is
                           both slower and larger (another algorithm below 5)
gzip 6     1.77 MB  2.87   120 ms; level 9 gains 0.1 % for 1.6 times more
=========  =======  =====  ==========================================================

(The benchmarks' manifests, whose signatures are all one made-up string, compress 6:1.)

Each coding's output depends only on the input and the library's version (gzip's header
carries no time), so every process of one release makes the same bytes, as a strong ETag
requires of one tag."""

from __future__ import annotations

import gzip
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from types import MappingProxyType

import brotli  # type: ignore[import-untyped]
import zstandard

from minirelease.http.accept_encoding import IDENTITY

Encoder = Callable[[bytes], bytes]


def _zstd(data: bytes) -> bytes:
    # A compressor is not to be shared between threads, and costs microseconds to make.
    return zstandard.ZstdCompressor(level=3).compress(data)


def _brotli(data: bytes) -> bytes:
    compressed: bytes = brotli.compress(data, mode=brotli.MODE_TEXT, quality=5)
    return compressed


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


ENCODERS: Mapping[str, Encoder] = MappingProxyType({"zstd": _zstd, "br": _brotli, "gzip": _gzip})
# What the server offers, its preference first (accept_encoding.negotiate).
OFFERED: tuple[str, ...] = tuple(ENCODERS)


def coded_etag(etag: str, coding: str) -> str:
    """The entity tag of a body in ``coding``: its identity tag with ``-coding`` inside the
    quotes (``"abc"`` -> ``"abc-gzip"``), as strong (or weak) as the identity tag."""
    if coding == IDENTITY:
        return etag
    return f'{etag[:-1]}-{coding}"'


class CodedBodies:
    """One body in each coding, each made on the first demand for it and kept: requests
    that want a coding being made wait for that one rather than each make their own.
    ``made`` counts the bodies made, by coding."""

    def __init__(self, identity: bytes, encoders: Mapping[str, Encoder] = ENCODERS) -> None:
        self.identity = identity
        self.made: Counter[str] = Counter()
        self._encoders = encoders
        self._locks = {coding: threading.Lock() for coding in encoders}
        self._bodies: dict[str, bytes] = {}

    def get(self, coding: str) -> bytes:
        if coding == IDENTITY:
            return self.identity
        body = self._bodies.get(coding)
        if body is not None:
            return body
        with self._locks[coding]:
            body = self._bodies.get(coding)
            if body is None:
                body = self._encoders[coding](self.identity)
                self.made[coding] += 1
                self._bodies[coding] = body
        return body
