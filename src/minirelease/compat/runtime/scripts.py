"""A package's scripts as the engine loads them, prepared once per package in the job (the
engine's process only evaluates them), under a digest that names them: an engine process
keeps the last scripts it was given and is sent them again only under another name.

Besides the files (scripts rewritten by ``esm.py``, ``asyncwrap.py`` and ``loops.py``, line
for line; ``.json`` files as text), the engine gets one manifest under ``MANIFEST`` for its
loader (modules.js):

- ``resolved``: ``{file: {specifier: path or null}}`` for every literal specifier of every
  script, answered by the one resolver (``compat/modules.py``); null is a missing module.
- ``paths``: the package paths a specifier computed at run time may name, without its
  extension or as its folder (``lang/en`` → ``lang/en.js``), each as the resolver answers
  it. The engine only joins such a specifier to the requiring file's folder and looks it up
  here; a package name computed at run time is a missing module.
- ``esm``: the files that were ES modules (strict, ``this`` undefined at their top).
- ``errors``: ``{file: {line, column, message}}`` where a script or ``.json`` file does not
  parse: V8 does not say where a syntax error is in code it evaluates, so every script sent
  is parsed here (once: the ES module rewrite's parse serves when there was one)."""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import tree_sitter

from minirelease.compat.jsfeatures import top_level_await
from minirelease.compat.modules import resolve
from minirelease.compat.runtime.asyncwrap import track_async_functions
from minirelease.compat.runtime.esm import to_commonjs
from minirelease.compat.runtime.loops import count_loops
from minirelease.compat.runtime.reachable import (
    LOADABLE,
    literal_specifiers,
    loaded_by,
    reachable_files,
)
from minirelease.compat.syntax import JAVASCRIPT, Positions, parse

# Not a package path (those never hold a NUL): the loader reads it as its manifest.
MANIFEST: Final = "\x00modules"


@dataclass(frozen=True, eq=False)
class Scripts:
    key: str  # sha256 of the paths and sources
    sources: Mapping[str, str]

    @classmethod
    def of(cls, sources: Mapping[str, str]) -> Scripts:
        digest = hashlib.sha256()
        for path in sorted(sources):
            for part in (path, sources[path]):
                encoded = part.encode("utf-8", errors="surrogatepass")
                digest.update(len(encoded).to_bytes(8, "big") + encoded)
        return cls(digest.hexdigest(), dict(sources))


def scripts_of(
    files: Mapping[str, bytes],
    entries: Iterable[str] | None = None,
    *,
    program_defined: Iterable[str] = (),
    opened_bare: Iterable[str] = (),
) -> Scripts:
    """The package's scripts and the ``.json`` files they load, prepared for the engine:
    those reachable from ``entries`` (app.js and each page's .js), or from every script when
    ``entries`` is None. ``files`` is the whole package: npm packages resolve through their
    ``package.json``. ``program_defined``: the ``my.*`` names the package assigns itself
    (``my.backend``), which the host must not take for its APIs. ``opened_bare``: the pages
    opened without a query (the first page, the tab bar's); the others get an unknown one."""
    if entries is None:
        entries = [path for path in files if path.endswith(".js")]
    found: dict[str, tuple[list[str], bool]] = {}
    paths = reachable_files(files, entries, found)
    sources: dict[str, str] = {}
    resolved: dict[str, dict[str, str | None]] = {}
    esm: list[str] = []
    errors: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not path.endswith(".js"):
            continue
        data = files[path]
        rewritten = to_commonjs(data)
        if rewritten.is_module:
            esm.append(path)
        # Every script is parsed once to know where a syntax error is (the rewrite's parse
        # when there was one): V8 only says that there is one.
        tree = rewritten.tree or parse(JAVASCRIPT, rewritten.source)
        problem = first_syntax_error(tree, rewritten.source)
        if problem is not None:
            errors[path] = {
                "line": problem.line,
                "column": problem.column,
                "message": problem.message,
            }
        prepared = track_async_functions(rewritten.source)
        sources[path] = prepared.decode("utf-8-sig", errors="replace")
        specifiers, _ = found.get(path) or literal_specifiers(data)
        resolved[path] = {specifier: loaded_by(files, path, specifier) for specifier in specifiers}
    loaded = set(sources)
    reached = {target for table in resolved.values() for target in table.values() if target}
    for path in [*paths, *sorted(reached - set(paths))]:
        if path.endswith(".json") and path not in loaded and path in files:
            sources[path] = _json_text(path, files[path], errors)
    manifest = {
        "resolved": resolved,
        "paths": _lookup_paths(files, sources),
        "esm": esm,
        "errors": errors,
        "defined": sorted(program_defined),
        "opened_bare": sorted(opened_bare),
    }
    sources[MANIFEST] = json.dumps(manifest, ensure_ascii=False)
    return Scripts.of(count_loops(sources))


def _json_text(path: str, data: bytes, errors: dict[str, dict[str, Any]]) -> str:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        errors[path] = {"line": error.lineno, "column": error.colno, "message": error.msg}
    except RecursionError:
        pass  # nested deeper than Python reads; V8 judges it
    return text


def _lookup_paths(files: Mapping[str, bytes], sources: Mapping[str, str]) -> dict[str, str]:
    """Each way a loaded file can be named from the package root (``a/b.js``, ``a/b``,
    ``a`` for ``a/index.js``) whose resolution is that file."""
    paths: dict[str, str] = {}
    for path in sources:
        stem, extension = posixpath.splitext(path)
        keys = [path]
        if extension in LOADABLE:
            keys.append(stem)
            if posixpath.basename(stem) == "index":
                keys.append(posixpath.dirname(stem))
        for key in keys:
            if key not in paths and resolve(files, "", "/" + key) == path:
                paths[key] = path
    return paths


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    column: int
    message: str


def first_syntax_error(tree: tree_sitter.Tree, source: bytes) -> SyntaxProblem | None:
    """The first place the parser could not read, or None when the whole file parses."""
    node = tree.root_node
    if not node.has_error:
        awaited = top_level_await(node)
        if awaited is None:
            return None
        line, column = Positions(source).of(awaited)
        return SyntaxProblem(
            line,
            column,
            "await is only valid in async functions: a mini program's scripts "
            "run inside a function, so move it into an async function",
        )
    while True:
        if node.is_missing:
            line, column = Positions(source).of(node)
            missing = node.type.replace("_", " ") if node.is_named else repr(node.type)
            return SyntaxProblem(line, column, f"missing {missing}")
        if node.type == "ERROR":
            line, column = Positions(source).of(node)
            token = node
            while token.child_count:
                token = token.children[0]
            text = (token.text or b"").decode("utf-8", errors="replace")[:40]
            return SyntaxProblem(line, column, f"Unexpected token {text!r}")
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            line, column = Positions(source).of(node)
            return SyntaxProblem(line, column, "invalid or unexpected token")
        node = child
