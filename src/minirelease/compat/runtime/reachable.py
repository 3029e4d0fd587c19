"""The scripts a smoke run can load: app.js, the pages' scripts and what they require,
followed through ``require('literal')`` calls as the sandbox's loader resolves them. A big
package hands the engine its few hundred reachable modules instead of every file, in every
engine run. Where a reachable file uses ``require`` any other way (a computed name, an
alias), anything could load, so every script is kept."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Final

_ANY_REQUIRE: Final = re.compile(r"\brequire\b")
_LITERAL_REQUIRE: Final = re.compile(r"""\brequire\s*\(\s*(['"])([^'"\\\n]+)\1\s*\)""")


def reachable_scripts(scripts: Mapping[str, str], entries: Iterable[str]) -> dict[str, str]:
    """``scripts`` (path → source) cut to those reachable from ``entries`` (package paths of
    scripts: app.js and each page's .js), in the order of ``scripts``."""
    seen: set[str] = set()
    todo = [entry for entry in entries if entry in scripts]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        source = scripts[path]
        literal = _LITERAL_REQUIRE.findall(source)
        if len(literal) != len(_ANY_REQUIRE.findall(source)):
            return dict(scripts)
        for _, request in literal:
            target = _resolve(scripts, path, request)
            if target is not None and target not in seen:
                todo.append(target)
    return {path: source for path, source in scripts.items() if path in seen}


def _resolve(scripts: Mapping[str, str], origin: str, request: str) -> str | None:
    """As sandbox.js ``resolve``: package-relative or absolute, then ``.js`` or
    ``/index.js``; None where the sandbox would throw (the run reports that)."""
    if not request.startswith(("./", "../", "/")):
        return None
    base = "" if request.startswith("/") else posixpath.dirname(origin)
    parts: list[str] = [part for part in base.split("/") if part]
    for part in request.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    path = "/".join(parts)
    for candidate in (path, f"{path}.js", f"{path}/index.js"):
        if candidate in scripts:
            return candidate
    return None
