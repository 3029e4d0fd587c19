"""Facts of one AXML template, read from its parse tree once per run: every element with its
position, the links it holds (``<navigator url>``, ``<web-view src>``, ``<image src>``) and
the files it loads (``<import src>``, ``<include src>``, ``<import-sjs from>``)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Final, Literal

import tree_sitter

from minirelease.compat.syntax import (
    MARKUP,
    Positions,
    StaticText,
    blank_mustaches,
    mustache_text,
    node_text,
    parse,
    without_bom,
)

# Template language constructs, not components a partner app has to offer.
LANGUAGE_TAGS: Final = frozenset({"template", "import", "include", "slot", "block", "import-sjs"})
# A navigator with these open-types ignores its url.
_URL_IGNORED: Final = frozenset({"navigateBack", "exit"})

LinkKind = Literal["navigation", "web-view", "image"]


@dataclass(frozen=True)
class Element:
    tag: str
    line: int
    column: int  # of the "<"


@dataclass(frozen=True)
class Link:
    kind: LinkKind
    text: StaticText  # known up to the first {{ }}
    line: int
    column: int  # of the attribute value


@dataclass(frozen=True)
class TemplateFacts:
    elements: tuple[Element, ...]
    links: tuple[Link, ...]
    # As written: the templates ``<import>``/``<include>`` load, the ``.sjs`` modules
    # ``<import-sjs>`` loads (compat/loadable.py resolves them).
    templates_loaded: tuple[str, ...] = ()
    sjs_loaded: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Attribute:
    value: str
    node: tree_sitter.Node


def template_facts(source: bytes) -> TemplateFacts:
    source = without_bom(source)
    tree = parse(MARKUP, blank_mustaches(source))
    positions = Positions(source)
    elements: list[Element] = []
    links: list[Link] = []
    templates_loaded: list[str] = []
    sjs_loaded: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type not in ("start_tag", "self_closing_tag"):
            continue
        tag = next((c for c in node.named_children if c.type == "tag_name"), None)
        if tag is None:
            continue
        name = node_text(tag)
        line, column = positions.of(node)
        elements.append(Element(name, line, column))
        attributes = _attributes(source, node)
        link = _link(positions, name, attributes)
        if link is not None:
            links.append(link)
        if name in ("import", "include") and "src" in attributes:
            templates_loaded.append(attributes["src"].value)
        elif name == "import-sjs" and "from" in attributes:
            sjs_loaded.append(attributes["from"].value)
    elements.sort(key=lambda element: (element.line, element.column))
    links.sort(key=lambda link: (link.line, link.column))
    return TemplateFacts(
        tuple(elements), tuple(links), tuple(sorted(templates_loaded)), tuple(sorted(sjs_loaded))
    )


def _attributes(source: bytes, tag: tree_sitter.Node) -> dict[str, _Attribute]:
    """Attribute name → value, read from the original bytes (the parsed copy has its
    mustaches blanked). The first of repeated attributes wins, as in HTML."""
    found: dict[str, _Attribute] = {}
    for attribute in tag.named_children:
        if attribute.type != "attribute":
            continue
        name_node = next((c for c in attribute.named_children if c.type == "attribute_name"), None)
        value_node = next(
            (
                c
                for c in attribute.named_children
                if c.type in ("attribute_value", "quoted_attribute_value")
            ),
            None,
        )
        if name_node is None or value_node is None:
            continue
        raw = source[value_node.start_byte : value_node.end_byte].decode("utf-8", "replace")
        if value_node.type == "quoted_attribute_value":
            raw = raw[1:-1]
        found.setdefault(node_text(name_node), _Attribute(html.unescape(raw), value_node))
    return found


def _link(positions: Positions, tag: str, attributes: dict[str, _Attribute]) -> Link | None:
    kind: LinkKind
    if tag == "navigator":
        target = attributes.get("target")
        open_type = attributes.get("open-type")
        if (target is not None and target.value == "miniProgram") or (
            open_type is not None and open_type.value in _URL_IGNORED
        ):
            return None
        kind, attribute = "navigation", attributes.get("url")
    elif tag == "web-view":
        kind, attribute = "web-view", attributes.get("src")
    elif tag == "image":
        kind, attribute = "image", attributes.get("src")
    else:
        return None
    if attribute is None:
        return None
    line, column = positions.of(attribute.node)
    return Link(kind, mustache_text(attribute.value), line, column)
