"""The files of a package a mini program can load, computed once per run: what the static
rules that read code look at (a draft page missing from app.json, a component nothing
declares, a Node script beside the program ship in the package but never run).

From app.js/app.json/app.acss and every page of app.json and its subpackages (each page's
``.js``, ``.axml``, ``.json``, ``.acss``), a page's or component's ``.json`` loads the
components its ``usingComponents`` (and ``componentGenerics`` defaults) name, relative,
root-absolute or npm paths alike; a template loads what its ``<import>``, ``<include>`` and
``<import-sjs>`` name; and a script loads the modules it names by literal specifier
(``require('x')``, ``import … from 'x'``, ``export … from 'x'``, ``import('x')``) as the
one resolver (``compat/modules.py``) answers them, ``.json`` files included. Where a
reachable script loads any other way (a computed name, an alias of ``require``), any
script could load, so every script and ``.json`` file is kept. The runtime side hands the
engine the scripts ``reachable_files`` finds (``runtime/reachable.py``).

Specifiers are found by pattern, not by parsing: a word in a comment only adds a file (or,
for a lone ``require``, keeps them all), never loses one. Each file is visited once, so a
cycle or a package of thousands of files costs one pass."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Final

from minirelease.compat.axmlfacts import TemplateFacts
from minirelease.compat.modules import resolve
from minirelease.packages.appjson import AppManifest

LOADABLE: Final = (".js", ".json")
# The files of one page or component, by its path without extension.
COMPONENT_PARTS: Final = (".js", ".axml", ".json", ".acss")
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
    """The file a script loads for ``specifier`` from ``origin``: the resolver's answer
    when it is a script or a ``.json`` file, None (a missing module) otherwise."""
    target = resolve(files, origin, specifier)
    return target if target is not None and target.endswith(LOADABLE) else None


def reachable_files(
    files: Mapping[str, bytes],
    entries: Iterable[str],
    found: dict[str, tuple[list[str], bool]] | None = None,
) -> list[str]:
    """The paths of the scripts and ``.json`` files of ``files`` reachable from the scripts
    ``entries`` through the modules they load, in the order of ``files``. ``found`` keeps
    each script's ``literal_specifiers`` for the caller."""
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


@dataclass(frozen=True, order=True)
class MissingComponent:
    """A ``usingComponents`` entry of a loadable config that names nothing in the package."""

    config: str  # the .json declaring it
    tag: str
    name: str  # as written: a path or an npm package's file


@dataclass(frozen=True)
class Loadable:
    paths: frozenset[str]
    missing_components: tuple[MissingComponent, ...]


def loadable_files(
    files: Mapping[str, bytes],
    paths: AbstractSet[str],
    app: AppManifest,
    templates: Mapping[str, TemplateFacts],
    configs: Mapping[str, Mapping[str, Any]],
) -> Loadable:
    """The paths of ``paths`` (every entry of the package, ``files`` holding the text of
    those analyzed) the program can load, and the components it declares but lacks.
    ``templates`` are the parsed ``.axml`` files and ``configs`` the parsed ``.json`` of
    pages and components (app.json's is ``app.raw``)."""
    walk = _Walk(files, paths, templates, {**configs, "app.json": app.raw})
    walk.component("app")
    for root, page in app.page_locations():
        walk.component(posixpath.join(root.strip("/"), page.strip("/")))
    walk.run()
    scripts = [path for path in walk.loaded if path.endswith(".js")]
    loaded = walk.loaded.union(reachable_files(files, sorted(scripts)))
    return Loadable(frozenset(loaded), tuple(sorted(walk.missing)))


class _Walk:
    """Pages, components and templates: each ``.json`` names components, each ``.axml``
    names templates and ``.sjs`` modules."""

    def __init__(
        self,
        files: Mapping[str, bytes],
        paths: AbstractSet[str],
        templates: Mapping[str, TemplateFacts],
        configs: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.files = files
        self.paths = paths
        self.templates = templates
        self.configs = configs
        self.loaded: set[str] = set()
        self.components: set[str] = set()
        self.missing: set[MissingComponent] = set()
        self.todo: list[str] = []

    def component(self, base: str) -> None:
        if base in self.components:
            return
        self.components.add(base)
        for part in COMPONENT_PARTS:
            self.file(base + part)

    def file(self, path: str | None) -> None:
        if path is not None and path in self.paths and path not in self.loaded:
            self.loaded.add(path)
            self.todo.append(path)

    def run(self) -> None:
        while self.todo:
            path = self.todo.pop()
            if path.endswith(".json"):
                config = self.configs.get(path, {})
                for name in declared_components(config):
                    base = self.component_base(path, name)
                    if base is not None:
                        self.component(base)
                self.missing.update(self._missing(path, config))
            elif path.endswith(".axml"):
                facts = self.templates.get(path)
                if facts is None:
                    continue
                for source in facts.templates_loaded:
                    self.file(_named_file(self.paths, path, source, ".axml"))
                for source in facts.sjs_loaded:
                    self.file(_named_file(self.paths, path, source, ".sjs"))

    def _missing(self, path: str, config: Mapping[str, Any]) -> Iterator[MissingComponent]:
        using = config.get("usingComponents")
        for tag, name in using.items() if isinstance(using, dict) else ():
            declared = isinstance(name, str) and "://" not in name and name.strip()
            if declared and self.component_base(path, name) is None:
                yield MissingComponent(path, str(tag), name)

    def component_base(self, config: str, name: str) -> str | None:
        """The path without extension of the component ``name`` in ``config`` names: as a
        module specifier (relative, root-absolute or an npm package's file), else as a path
        from the config's folder or the root to its template."""
        name = name.strip()
        if not name or "://" in name:
            return None  # plugin://…: the plugin's, not the package's
        target = resolve(self.files, config, name)
        if target is not None:
            return posixpath.splitext(target)[0]
        for origin in (config, "app.json"):
            template = _named_file(self.paths, origin, name, ".axml")
            if template is not None:
                return template.removesuffix(".axml")
            template = _named_file(self.paths, origin, name + "/index", ".axml")
            if template is not None:
                return template.removesuffix(".axml")
        return None


def declared_components(config: Mapping[str, Any]) -> list[str]:
    """The component paths a page's or component's ``.json`` names: its usingComponents
    and the defaults of its componentGenerics."""
    named: list[str] = []
    using = config.get("usingComponents")
    if isinstance(using, dict):
        named.extend(value for value in using.values() if isinstance(value, str))
    generics = config.get("componentGenerics")
    if isinstance(generics, dict):
        for generic in generics.values():
            default = generic.get("default") if isinstance(generic, dict) else None
            if isinstance(default, str):
                named.append(default)
    return named


def _named_file(paths: AbstractSet[str], origin: str, source: str, extension: str) -> str | None:
    """The package file ``source`` names from ``origin``: root-absolute or relative to its
    folder, as written or with ``extension`` added; None outside the package or missing."""
    source = source.strip()
    if not source or "{{" in source:
        return None
    folder = "" if source.startswith("/") else posixpath.dirname(origin)
    path = posixpath.normpath(posixpath.join(folder, source.lstrip("/")))
    if path.startswith("../") or path in ("..", "."):
        return None
    for candidate in (path, path + extension):
        if candidate in paths:
            return candidate
    return None
