"""JS and CSS minification for the build step (design §4), and the source maps that may
accompany minified JS.

Both minifiers work on bytes, so a file's encoding never makes the build fail; they keep
``/*! … */`` comments, which by convention carry licences that must ship with the code."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Final, cast
from urllib.parse import quote

import rcssmin  # type: ignore[import-untyped]
import rjsmin  # type: ignore[import-untyped]

from minirelease.build.config import BuildConfiguration
from minirelease.build.manifest import canonical_json
from minirelease.errors import PackageInvalid

JS_SUFFIXES: Final = (".js",)
# .acss is the mini program dialect of CSS (extra units like rpx); the minifier's
# tokenisation of plain CSS covers it.
CSS_SUFFIXES: Final = (".css", ".acss")
SOURCE_MAP_SUFFIX: Final = ".map"

MINIFIER_VERSIONS: Final[dict[str, str]] = {
    "rjsmin": str(rjsmin.__version__),
    "rcssmin": str(rcssmin.__version__),
}

Minifier = Callable[[bytes], bytes]


def minify_js(source: bytes) -> bytes:
    # Given bytes, both minifiers return bytes (they are untyped, hence the casts).
    return cast(bytes, rjsmin.jsmin(source, keep_bang_comments=True))


def minify_css(source: bytes) -> bytes:
    return cast(bytes, rcssmin.cssmin(source, keep_bang_comments=True))


def minifier_for(path: str, config: BuildConfiguration) -> Minifier | None:
    """The minifier the configuration asks for on ``path``, if any."""
    if config.minify_js and is_js(path):
        return minify_js
    if config.minify_css and _suffix(path) in CSS_SUFFIXES:
        return minify_css
    return None


def is_js(path: str) -> bool:
    return _suffix(path) in JS_SUFFIXES


def _suffix(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def source_map_name(path: str) -> str:
    return path + SOURCE_MAP_SUFFIX


def source_map(path: str, original: bytes) -> bytes:
    """A Source Map v3 document for the minified file at ``path``, embedding the original.

    ``mappings`` is empty: rjsmin rewrites by regular expressions and does not emit positions,
    so no honest line mapping exists. The map still lets a debugger show the original source.
    Paths are relative to the map, which sits beside the minified file (both keep its name)."""
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageInvalid(
            "invalid-encoding",
            f"{path} is not UTF-8 text, so its source map cannot embed it "
            "(save it as UTF-8 or turn source maps off)",
            entry=path,
        ) from exc
    name = posixpath.basename(path)
    document = {
        "version": 3,
        "file": name,
        "sources": [name],
        "sourcesContent": [text],
        "names": [],
        "mappings": "",
    }
    return canonical_json(document)


def source_mapping_comment(path: str) -> bytes:
    """The trailer that links minified JS at ``path`` to its map, as browsers and tools expect."""
    url = quote(posixpath.basename(source_map_name(path)))
    return f"\n//# sourceMappingURL={url}\n".encode()
