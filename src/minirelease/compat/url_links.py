"""The package-level link step for URLs, once per run: each file's symbolic URL values
(compat/constants.py) are resolved through the file's top-level constants and imports into
other files' exports (ES modules, CommonJS, ``.json``) and through the App object
(``getApp()``: app.js's ``App({…})`` and what any file sets in it), giving the statically
known text of every URL a JSAPI is handed, wherever the program keeps its base URLs.

Hostile packages are bounded: a chain of names or files is followed ``MAX_LINK_STEPS`` far,
and a name that needs itself (within a file or across files) is unknown."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Final

from minirelease.compat.app_writes import AppWrite
from minirelease.compat.constants import (
    OPAQUE,
    AppMember,
    Concat,
    Imported,
    Opaque,
    Part,
    Record,
    Ref,
    Text,
    Value,
    from_json,
    select,
)
from minirelease.compat.jsfacts import ScriptFacts, UrlArgument
from minirelease.compat.modules import resolve
from minirelease.compat.syntax import UNKNOWN, StaticText

MAX_LINK_STEPS: Final = 64
# Where a mini program registers its App object.
APP_SCRIPT: Final = "app.js"
# Values an App member may hold, past which it is not read (a member set everywhere).
MAX_APP_VALUES: Final = 64

_Located = tuple[str, Value]  # a value and the file its open names belong to


def linked_urls(
    files: Mapping[str, bytes], scripts: Mapping[str, ScriptFacts]
) -> dict[str, tuple[UrlArgument, ...]]:
    """Path → the file's URL arguments, each with its text as far as the package tells."""
    linker = Linker(files, scripts)
    return {
        path: tuple(
            dataclasses.replace(url, text=linker.text(path, url.value)) for url in facts.urls
        )
        for path, facts in scripts.items()
    }


class Linker:
    def __init__(self, files: Mapping[str, bytes], scripts: Mapping[str, ScriptFacts]) -> None:
        self._files = files
        self._scripts = scripts
        self._parts: dict[tuple[str, Part], StaticText | None] = {}  # None: being resolved
        self._json: dict[str, Value] = {}
        self._app: _Located | None = None  # the registered App object
        # App member → the (file, write) setting it, in file order.
        self._writes: dict[tuple[str, ...], dict[tuple[str, AppWrite], None]] | None = None
        self._app_texts: dict[tuple[str, ...], StaticText | None] = {}  # None: being read

    def text(self, path: str, value: Value, depth: int = 0) -> StaticText:
        """The known beginning of a string value used in ``path``. ``depth`` counts the
        references being resolved around it (a chain of files each adding to the last)."""
        parts = value.parts if isinstance(value, Concat) else (value,)
        known = StaticText("", complete=True)
        for part in parts:
            if not known.complete:
                break
            resolved = UNKNOWN if isinstance(part, Record) else self._part(path, part, depth)
            known = known.concat(resolved)
        return known

    def _part(self, path: str, part: Part, depth: int) -> StaticText:
        if isinstance(part, Text):
            return StaticText(part.value, complete=True)
        if isinstance(part, Opaque) or depth > MAX_LINK_STEPS:
            return UNKNOWN
        key = (path, part)
        if key in self._parts:
            return self._parts[key] or UNKNOWN  # a cycle: the value needs itself
        self._parts[key] = None
        if isinstance(part, AppMember):
            known = self._app_member(part.members, depth)
        else:
            where, value = self._head(path, part)
            known = self._known(where, value, depth)
        self._parts[key] = known
        return known

    def _known(self, path: str, value: Value, depth: int) -> StaticText:
        return UNKNOWN if isinstance(value, Record | Opaque) else self.text(path, value, depth + 1)

    def _app_member(self, members: tuple[str, ...], depth: int) -> StaticText:
        """The text of an App member (once per run, whichever file reads it): known when
        every value it may hold, the App object's own and each one a file sets there,
        reads the same (an empty string is a placeholder, not one of them)."""
        if members in self._app_texts:
            return self._app_texts[members] or UNKNOWN  # a cycle: the value needs itself
        self._app_texts[members] = None
        candidates: list[_Located] = []
        initial = self._member(self._registered_app(), members)
        if initial is not None:  # a member the App object does not have: set later
            candidates.append(initial)
        writes = self._writes_to(members)
        known: StaticText | None = None
        if writes is not None:
            for path, write in writes:
                below = members[len(write.members) :]
                candidates.append(self._member((path, write.value), below) or (path, OPAQUE))
            for where, value in candidates:
                text = self._known(where, value, depth)
                if text.complete and not text.prefix:
                    continue  # ``baseUrl: ''`` is a placeholder filled in later, not a URL
                if known is not None and text != known:
                    known = None
                    break
                known = text
        self._app_texts[members] = known or UNKNOWN
        return known or UNKNOWN

    def _member(self, located: _Located, members: tuple[str, ...]) -> _Located | None:
        """``members…`` of a value; None when an object literal on the way lacks one."""
        path, value = located
        for key in members:
            path, value = self._head(path, value)
            if isinstance(value, Record):
                if all(name != key for name, _ in value.members):
                    return None
                value = value.member(key)
            elif isinstance(value, AppMember):
                value = select(value, key)
            else:
                return path, OPAQUE
        return self._head(path, value)

    def _registered_app(self) -> _Located:
        """app.js's App object (else the first file's that registers one); unknown when
        no file registers one where the reader sees it (at its top level)."""
        if self._app is None:
            self._app = (APP_SCRIPT, OPAQUE)
            for path in sorted(self._scripts, key=lambda path: (path != APP_SCRIPT, path)):
                app = self._scripts[path].module.app
                if app is not None:
                    self._app = (path, app)
                    break
        return self._app

    def _writes_to(self, members: tuple[str, ...]) -> list[tuple[str, AppWrite]] | None:
        """What files set at ``members`` or above it; None past ``MAX_APP_VALUES``."""
        if self._writes is None:
            self._writes = {}
            for path, facts in sorted(self._scripts.items()):
                for write in facts.module.app_writes:  # the same write twice counts once
                    self._writes.setdefault(write.members, {})[(path, write)] = None
        found = [self._writes.get(members[:end], {}) for end in range(len(members) + 1)]
        if sum(len(writes) for writes in found) >= MAX_APP_VALUES:
            return None
        return [write for writes in found for write in writes]

    def _head(self, path: str, value: Value) -> _Located:
        """``value`` with its outer references followed: literal text, a concatenation, an
        object or unknown, and the file its inner references belong to."""
        for _ in range(MAX_LINK_STEPS):
            if isinstance(value, Ref):
                facts = self._scripts.get(path)
                bound = facts.module.bindings.get(value.name) if facts is not None else None
                if bound is None:
                    return path, OPAQUE  # a global, or a name the file does not bind
                value = _selected(bound, value.members)
            elif isinstance(value, Imported):
                target = resolve(self._files, path, value.specifier)
                if target is None or not value.members:
                    return path, OPAQUE
                first, rest = value.members[0], value.members[1:]
                exported = self._export(target, first, 0)
                if exported is None:
                    return path, OPAQUE
                path, value = exported[0], _selected(exported[1], rest)
            else:
                return path, value
        return path, OPAQUE

    def _export(self, module: str, name: str, depth: int) -> _Located | None:
        """What ``module`` exports as ``name`` ("default" for its default export)."""
        if module.endswith(".json"):
            json_value = self._json_value(module)
            return module, json_value if name == "default" else select(json_value, name)
        facts = self._scripts.get(module)
        if facts is None or depth > MAX_LINK_STEPS:
            return None
        exports = facts.module.exports
        if name in exports:
            return module, exports[name]
        whole = facts.module.whole
        if whole is not None:  # CommonJS: the default import is module.exports itself
            return module, whole if name == "default" else select(whole, name)
        for specifier in facts.module.star_exports:
            target = resolve(self._files, module, specifier)
            found = self._export(target, name, depth + 1) if target and name != "default" else None
            if found is not None:
                return found
        return None

    def _json_value(self, path: str) -> Value:
        value = self._json.get(path)
        if value is None:
            try:
                data = json.loads(self._files[path].decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                data = None
            value = self._json[path] = from_json(data)
        return value


def _selected(value: Value, members: tuple[str, ...]) -> Value:
    for member in members:
        value = select(value, member)
    return value
