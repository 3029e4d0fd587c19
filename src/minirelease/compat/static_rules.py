"""The rules that need no JavaScript engine (design §5): each reads the facts of the parsed
package and one cell's context, and returns its findings. Those that read code read only the
files the program can load (``ParsedPackage.loadable``); the size limits count every file."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Final

from minirelease.build.limits import limit_violations
from minirelease.compat import model
from minirelease.compat.analyzer import Rule, per_target, same_everywhere
from minirelease.compat.axmlfacts import LANGUAGE_TAGS
from minirelease.compat.domains_match import is_whitelisted
from minirelease.compat.jsapi_sites import described
from minirelease.compat.jsfacts import NAVIGATION_APIS, NETWORK_APIS
from minirelease.compat.model import CellContext, Finding
from minirelease.compat.parsed import ParsedPackage
from minirelease.compat.syntax import StaticText
from minirelease.compat.urls import page_path, resolve_page, url_target


def package_too_large(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    for violation in limit_violations(parsed.sizes, context.target.limits):
        yield Finding(model.PACKAGE_TOO_LARGE, None, None, None, violation.message)


def page_missing(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    for path, urls in parsed.urls.items():
        for url in urls:
            if url.api in NAVIGATION_APIS:
                yield from _missing(parsed, path, url.line, url.column, url.api, url.text)
    for path, template in parsed.loaded_templates():
        for link in template.links:
            if link.kind == "navigation":
                yield from _missing(parsed, path, link.line, link.column, "<navigator>", link.text)


def _missing(
    parsed: ParsedPackage, path: str, line: int, column: int, via: str, text: StaticText
) -> Iterator[Finding]:
    target = page_path(text)
    if target is None:
        return  # computed at run time
    written = target
    if via == "my.switchTab" and not target.startswith("/"):
        # switchTab takes a tab bar page's path, from the package root with or without
        # its leading slash: never a path relative to the page on screen.
        target = "/" + target
    if not target.startswith("/") and path.rpartition(".")[0] not in parsed.pages:
        # A relative URL resolves against the page on screen; outside a page's own files
        # (components, templates, utilities) that page is known only at run time.
        return
    page = resolve_page(target, path)
    if page in parsed.pages:
        return
    where = "leads outside the package" if page is None else f"resolves to {page!r}"
    yield Finding(
        model.PAGE_MISSING,
        path,
        line,
        column,
        f"{via} to {written!r} {where}, which is not a page in app.json",
    )


LoadedUrl = tuple[str, int, int, str, StaticText]  # path, line, column, via, text


def loaded_urls(parsed: ParsedPackage) -> Iterator[LoadedUrl]:
    """Every statically read URL a network JSAPI or a web-view loads, with its place and
    what loads it; constants are followed across files. These are the URLs the server
    (network JSAPIs) and H5 (web-view) domain whitelists govern."""
    for path, urls in parsed.urls.items():
        for url in urls:
            if url.api in NETWORK_APIS:
                yield path, url.line, url.column, url.api, url.text
    for path, template in parsed.loaded_templates():
        for link in template.links:
            if link.kind == "web-view":
                yield path, link.line, link.column, "<web-view>", link.text


def image_urls(parsed: ParsedPackage) -> Iterator[LoadedUrl]:
    """Remote images templates show (``<image src>``): no whitelist covers them, but they
    must be loaded over https."""
    for path, template in parsed.loaded_templates():
        for link in template.links:
            if link.kind == "image":
                yield path, link.line, link.column, "<image>", link.text


def insecure_url(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    for path, line, column, via, text in chain(loaded_urls(parsed), image_urls(parsed)):
        target = url_target(text)
        if target is not None and target.insecure:
            secure = "https" if target.scheme == "http" else "wss"
            yield Finding(
                model.INSECURE_URL,
                path,
                line,
                column,
                f"{via} loads {_shown(text)} over {target.scheme}://; use {secure}://",
            )


def domain_not_whitelisted(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    target_app = context.target
    for path, line, column, via, text in loaded_urls(parsed):
        target = url_target(text)
        if target is None or not target.secure or target.raw_host is None:
            continue
        web_view = via == "<web-view>"
        entries = target_app.h5_domains if web_view else target_app.server_domains
        if target.host is not None and is_whitelisted(target.host, entries):
            continue
        whitelist = "H5 domain whitelist" if web_view else "server domain whitelist"
        if target.host is None:
            problem = f"its host {target.raw_host!r} cannot be whitelisted: {target.host_problem}"
        else:
            problem = f"{target.host} is not on the mini program's {whitelist}"
        yield Finding(
            model.DOMAIN_NOT_WHITELISTED,
            path,
            line,
            column,
            f"{via} loads {_shown(text)}; {problem}",
        )


# Call sites a jsapi-unsupported message names before "and N more".
SHOWN_CALL_SITES: Final = 5


def jsapi_unsupported(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    """One finding per JSAPI the partner app lacks, at its first unguarded call, naming the
    others."""
    offered = context.target.jsapis
    for api, sites in parsed.host_calls.items():
        if api in offered:
            continue
        first = sites[0]
        places = f" ({described(sites, SHOWN_CALL_SITES)})" if len(sites) > 1 else ""
        yield Finding(
            model.JSAPI_UNSUPPORTED,
            first.file,
            first.line,
            first.column,
            f"{api} is not offered by partner app {context.target.partner_app!r}{places}; "
            f"call it only under my.canIUse('{api.removeprefix('my.')}')",
        )


def component_unsupported(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    offered = context.target.components
    for path, template in parsed.loaded_templates():
        custom = parsed.custom_components.get(path, frozenset())
        for element in template.elements:
            tag = element.tag
            if tag in offered or tag in LANGUAGE_TAGS or tag in custom:
                continue
            yield Finding(
                model.COMPONENT_UNSUPPORTED,
                path,
                element.line,
                element.column,
                f"<{tag}> is not a component of partner app {context.target.partner_app!r} "
                "and not declared in usingComponents",
            )
    for missing in parsed.missing_components:
        line = _line_naming(parsed.source_lines(missing.config), missing.tag)
        npm = not missing.name.startswith((".", "/"))
        fix = "ship the npm package with it (the build installs none)" if npm else "fix the path"
        yield Finding(
            model.COMPONENT_UNSUPPORTED,
            missing.config,
            line,
            None,
            f"<{missing.tag}> is declared in usingComponents as {missing.name!r}, which is not "
            f"in the package: no page using it can render; {fix}",
        )


def _line_naming(lines: list[str], key: str) -> int | None:
    """The first line of a .json holding ``"key"``."""
    quoted = f'"{key}"'
    return next((number for number, text in enumerate(lines, 1) if quoted in text), None)


_SHOWN_MAX_CHARS: Final = 120


def _shown(text: StaticText) -> str:
    shown = text.prefix if text.complete else text.prefix + "…"
    if len(shown) > _SHOWN_MAX_CHARS:
        shown = shown[: _SHOWN_MAX_CHARS - 1] + "…"
    return repr(shown)


STATIC_RULES: Final = (
    Rule(model.PACKAGE_TOO_LARGE, package_too_large, per_target),
    Rule(model.PAGE_MISSING, page_missing, same_everywhere),
    Rule(model.INSECURE_URL, insecure_url, same_everywhere),
    Rule(model.DOMAIN_NOT_WHITELISTED, domain_not_whitelisted, per_target),
    Rule(model.JSAPI_UNSUPPORTED, jsapi_unsupported, per_target),
    Rule(model.COMPONENT_UNSUPPORTED, component_unsupported, per_target),
)
