"""The files a smoke run can load: app.js, the pages' scripts and what they load, followed
through literal specifiers (``require('x')``, ``import … from 'x'``, ``export … from 'x'``,
``import('x')``) as the one resolver (``compat/modules.py``) answers them, ``.json`` files
included. A big package hands the engine its few hundred reachable modules instead of every
file, in every engine run. Where a reachable file loads any other way (a computed name, an
alias of ``require``), anything could load, so every script and ``.json`` file is kept.

Specifiers are found by pattern, not by parsing: a word in a comment only adds a file (or,
for a lone ``require``, keeps them all), never loses one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from minirelease.compat.modules import resolve

LOADABLE: Final = (".js", ".json")
_QUOTED: Final = rb"""(['"])([^'"\\\n]+)"""
_CALL: Final = re.compile(rb"\b(?:require|import)\s*\(\s*" + _QUOTED + rb"\1\s*\)")
_STATIC: Final = re.compile(rb"\b(?:from|import)\s*" + _QUOTED + rb"\1")
_ANY_CALL: Final = re.compile(rb"\brequire\b|\bimport\s*\(")


def literal_specifiers(source: bytes) -> tuple[list[str], bool]:
    """The literal specifiers ``source`` loads, in order, and whether it may load anything
    else (a ``require`` or ``import(…)`` that is not a call on one literal)."""
    calls = _CALL.findall(source)
    found = [match[1] for match in calls]
    found.extend(match[1] for match in _STATIC.findall(source))
    computed = len(calls) != len(_ANY_CALL.findall(source))
    return [specifier.decode("utf-8", errors="replace") for specifier in found], computed


def loaded_by(files: Mapping[str, bytes], origin: str, specifier: str) -> str | None:
    """The file the sandbox loads for ``specifier`` from ``origin``: the resolver's answer
    when it is a script or a ``.json`` file, None (a missing module) otherwise."""
    target = resolve(files, origin, specifier)
    return target if target is not None and target.endswith(LOADABLE) else None


def reachable_files(
    files: Mapping[str, bytes],
    entries: Iterable[str],
    found: dict[str, tuple[list[str], bool]] | None = None,
) -> list[str]:
    """The paths of the scripts and ``.json`` files of ``files`` reachable from ``entries``
    (app.js and each page's .js), in the order of ``files``. ``found`` keeps each script's
    ``literal_specifiers`` for the caller."""
    found = {} if found is None else found
    seen: set[str] = set()
    todo = [entry for entry in entries if entry in files]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if not path.endswith(".js"):
            continue
        if path not in found:
            found[path] = literal_specifiers(files[path])
        specifiers, computed = found[path]
        if computed:
            return [path for path in files if path.endswith(LOADABLE)]
        for specifier in specifiers:
            target = loaded_by(files, path, specifier)
            if target is not None and target not in seen:
                todo.append(target)
    return [path for path in files if path in seen]
