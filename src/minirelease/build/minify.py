"""JS and CSS minification for the build step (design §4), and the source maps that may
accompany minified JS.

By default rjsmin and rcssmin minify: they work on bytes, so a file's encoding never makes
the build fail, but keep no positions. With source maps on, JS goes through the token
minifier instead (build/token_minify.py), which maps every output token to the original.
All keep ``/*! … */`` comments, which by convention carry licences that must ship with
the code. Only JS gets source maps."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Final, cast
from urllib.parse import quote

import rcssmin  # type: ignore[import-untyped]
import rjsmin  # type: ignore[import-untyped]

from minirelease.build.config import BuildConfiguration
from minirelease.build.sourcemap import source_map_document
from minirelease.errors import PackageInvalid

JS_SUFFIXES: Final = (".js",)
# .acss is the mini program dialect of CSS (extra units like rpx); the minifier's
# tokenisation of plain CSS covers it.
CSS_SUFFIXES: Final = (".css", ".acss")
SOURCE_MAP_SUFFIX: Final = ".map"

_BOM: Final = "\ufeff"

MINIFIER_VERSIONS: Final[dict[str, str]] = {
    "rjsmin": str(rjsmin.__version__),
    "rcssmin": str(rcssmin.__version__),
    # The parser of the token minifier, used for JS when source maps are on.
    "tree-sitter": version("tree-sitter"),
    "tree-sitter-javascript": version("tree-sitter-javascript"),
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


@dataclass(frozen=True)
class MappedJs:
    """Minified JS and its source map, or why it has none."""

    code: bytes
    source_map: bytes | None
    no_map_reason: str | None = None


def minify_js_with_map(path: str, original: bytes) -> MappedJs:
    """Minify the JS at ``path`` with the token minifier, which maps every token back to the
    original. A file it cannot take (tree-sitter reports a syntax error, say) is minified
    by rjsmin as without source maps and gets no map: rjsmin keeps no positions, and a map
    without mappings would only pretend."""
    try:
        text = original.decode("utf-8").removeprefix(_BOM)
    except UnicodeDecodeError as exc:
        raise PackageInvalid(
            "invalid-encoding",
            f"{path} is not UTF-8 text, so its source map cannot embed it "
            "(save it as UTF-8 or turn source maps off)",
            entry=path,
        ) from exc
    # Here, not at the top: tree-sitter loads only in processes that build with maps.
    from minirelease.build.js_tokens import NotTokenizable
    from minirelease.build.token_minify import minify_with_positions

    try:
        minified = minify_with_positions(text.encode())
    except NotTokenizable as exc:
        return MappedJs(minify_js(original), None, f"{exc}; minified by rjsmin instead")
    code = minified.code.encode()
    if not minified.segments:
        return MappedJs(code, None, "nothing of it is left to map after minification")
    name = posixpath.basename(path)
    return MappedJs(code, source_map_document(name, text, minified.segments))


def source_mapping_comment(path: str) -> bytes:
    """The trailer that links minified JS at ``path`` to its map, as browsers and tools expect."""
    url = quote(posixpath.basename(source_map_name(path)))
    return f"\n//# sourceMappingURL={url}\n".encode()
