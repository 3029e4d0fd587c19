"""A package parsed once per run (design §5: "once per run, not once per cell"): the facts of
every script and template, the size of every image, the pages, the custom components each
template may use, the files the program can load and the package's sizes. Rules read only
these facts, whatever the number of cells: those reading code read the loadable files only
(a draft page or an unused component ships but never runs), those about bytes every file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from minirelease.build.limits import SizeReport, measure_sizes
from minirelease.compat.axmlfacts import TemplateFacts, template_facts
from minirelease.compat.images import ImageFacts, image_facts, is_image
from minirelease.compat.jsapi_sites import CallSite, host_calls
from minirelease.compat.jsfacts import ScriptFacts, UrlArgument, script_facts
from minirelease.compat.loadable import MissingComponent, loadable_files
from minirelease.compat.package import BuiltPackage, is_analyzed
from minirelease.compat.shown_images import shown_images
from minirelease.compat.url_links import linked_urls
from minirelease.errors import PackageInvalid
from minirelease.packages.appjson import AppManifest, parse_app_json
from minirelease.packages.rules import APP_JSON, APP_JSON_MISSING


@dataclass(frozen=True)
class Parsers:
    """The parsers a run uses: the real ones, or the same wrapped (to count calls)."""

    script: Callable[[bytes], ScriptFacts] = script_facts
    template: Callable[[bytes], TemplateFacts] = template_facts
    image: Callable[[bytes], ImageFacts | None] = image_facts


@dataclass(frozen=True)
class ParsedPackage:
    app: AppManifest
    pages: frozenset[str]  # every page path from the package root, subpackages included
    sizes: SizeReport
    scripts: Mapping[str, ScriptFacts]
    templates: Mapping[str, TemplateFacts]
    # Template path → tags declared in usingComponents for it (its own .json and app.json).
    custom_components: Mapping[str, frozenset[str]]
    files: Mapping[str, bytes] = field(repr=False)
    # The package paths the program can load (compat/loadable.py): scripts, templates,
    # configs, styles and .sjs modules; images are not followed.
    loadable: frozenset[str] = field(repr=False)
    # usingComponents entries of loadable configs that name nothing in the package.
    missing_components: tuple[MissingComponent, ...] = ()
    # Image path → its header's facts; images whose header does not parse are left out.
    images: Mapping[str, ImageFacts] = field(default_factory=dict)
    # The images loadable files name (compat/shown_images.py): what a device may decode.
    shown_images: frozenset[str] = frozenset()
    # Every entry of the built zip (fonts, audio and the manifest too) → its size there.
    compressed_sizes: Mapping[str, int] = field(default_factory=dict)
    # Loadable script path → its URL arguments, their text linked across the loadable files
    # (what a loadable script imports loads too).
    urls: Mapping[str, tuple[UrlArgument, ...]] = field(default_factory=dict)
    # JSAPI → the places loadable scripts call it unguarded, where the program does not
    # define it.
    host_calls: Mapping[str, tuple[CallSite, ...]] = field(default_factory=dict)

    def loaded_scripts(self) -> Iterator[tuple[str, ScriptFacts]]:
        return ((path, facts) for path, facts in self.scripts.items() if path in self.loadable)

    def loaded_templates(self) -> Iterator[tuple[str, TemplateFacts]]:
        return ((path, facts) for path, facts in self.templates.items() if path in self.loadable)

    def source_lines(self, path: str) -> list[str]:
        """The file's text by line, for excerpts; empty when the file is not analyzed."""
        data = self.files.get(path, b"")
        return data.decode("utf-8-sig", errors="replace").splitlines()


def parse_package(package: BuiltPackage, *, parsers: Parsers | None = None) -> ParsedPackage:
    """Parse every script and template of ``package`` exactly once. A package without a
    valid app.json (which no build produces) raises ``PackageInvalid``."""
    use = parsers or Parsers()
    if APP_JSON not in package.files:
        raise PackageInvalid(APP_JSON_MISSING, "the package has no app.json", entry=APP_JSON)
    app = parse_app_json(package.files[APP_JSON])
    analyzed = sorted(path for path in package.files if is_analyzed(path))
    templates = {
        path: use.template(package.files[path]) for path in analyzed if path.endswith(".axml")
    }
    scripts = {path: use.script(package.files[path]) for path in analyzed if path.endswith(".js")}
    configs = _component_configs(package.files, templates)
    paths = frozenset(package.files).union(package.compressed_sizes)
    images = _images(package.files, use.image)
    found = loadable_files(package.files, paths, app, templates, configs)
    loadable = found.paths
    loaded = {path: facts for path, facts in scripts.items() if path in loadable}
    return ParsedPackage(
        app=app,
        pages=frozenset(f"{root}/{page}" if root else page for root, page in app.page_locations()),
        sizes=measure_sizes(package.compressed_sizes, [sub.root for sub in app.subpackages]),
        scripts=scripts,
        templates=templates,
        custom_components=_custom_components(app, templates, configs),
        files=package.files,
        loadable=loadable,
        missing_components=found.missing_components,
        images=images,
        shown_images=shown_images(images, package.files, loadable),
        compressed_sizes=package.compressed_sizes,
        urls=linked_urls(package.files, loaded),
        host_calls=host_calls(loaded),
    )


def _images(
    files: Mapping[str, bytes], read: Callable[[bytes], ImageFacts | None]
) -> dict[str, ImageFacts]:
    facts = {path: read(data) for path, data in sorted(files.items()) if is_image(path)}
    return {path: image for path, image in facts.items() if image is not None}


def _component_configs(
    files: Mapping[str, bytes], templates: Mapping[str, object]
) -> dict[str, dict[str, Any]]:
    """The ``.json`` beside each template (a page's or component's config), parsed once."""
    configs: dict[str, dict[str, Any]] = {}
    for path in templates:
        config = path.removesuffix(".axml") + ".json"
        if config in files:
            configs[config] = _json_object(files[config])
    return configs


def _custom_components(
    app: AppManifest, templates: Mapping[str, object], configs: Mapping[str, Mapping[str, Any]]
) -> dict[str, frozenset[str]]:
    """Custom components usable in each template. A template without its own ``.json`` is
    a fragment (imported or included by pages), so it may use whatever any page declares."""
    global_tags = _declared(app.raw)
    declared: dict[str, frozenset[str]] = {}
    for path in templates:
        config = configs.get(path.removesuffix(".axml") + ".json")
        if config is not None:
            declared[path] = global_tags | _declared(config)
    anywhere = global_tags.union(*declared.values())
    return {path: declared.get(path, anywhere) for path in templates}


def _declared(config: Mapping[str, Any]) -> frozenset[str]:
    using = config.get("usingComponents")
    return frozenset(using) if isinstance(using, dict) else frozenset()


def _json_object(data: bytes) -> dict[str, Any]:
    """A page or component's ``.json``; one that does not parse declares nothing."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
