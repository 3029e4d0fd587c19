"""Facts of one JavaScript file, read from its tree-sitter parse tree once per run: every
``my.*`` call with the ``my.canIUse`` guards around it, the ``url`` handed to the
navigation and network JSAPIs, and the language features it uses. Rules evaluate these
facts per cell without reparsing."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Final

import tree_sitter

from minirelease.compat import guards
from minirelease.compat.jsfeatures import FeatureUse, language_features
from minirelease.compat.syntax import (
    JAVASCRIPT,
    Positions,
    StaticText,
    node_text,
    parse,
    static_text,
    without_bom,
)

NAVIGATION_APIS: Final = frozenset(
    {"my.navigateTo", "my.redirectTo", "my.reLaunch", "my.switchTab"}
)
NETWORK_APIS: Final = frozenset(
    {"my.request", "my.downloadFile", "my.uploadFile", "my.connectSocket"}
)
_URL_APIS: Final = NAVIGATION_APIS | NETWORK_APIS
# Statement lists in which an early exit guards the statements after it.
_STATEMENT_LISTS: Final = frozenset({"program", "statement_block", "switch_case", "switch_default"})


@dataclass(frozen=True)
class ApiCall:
    api: str  # "my.request", "my.ap.navigateToAlipayPage"
    line: int
    column: int
    guards: frozenset[str]  # canIUse names proven where the call runs

    @property
    def guarded(self) -> bool:
        return guards.covers(self.guards, self.api)


@dataclass(frozen=True)
class UrlArgument:
    """The ``url`` property of the object passed to a navigation or network JSAPI."""

    api: str
    text: StaticText
    line: int
    column: int  # of the expression giving the URL


@dataclass(frozen=True)
class ScriptFacts:
    calls: tuple[ApiCall, ...]
    urls: tuple[UrlArgument, ...]
    features: tuple[FeatureUse, ...] = ()  # language features above ES2017, from the same tree


def script_facts(source: bytes) -> ScriptFacts:
    source = without_bom(source)
    tree = parse(JAVASCRIPT, source)
    walk = _Walk(source)
    # Depth-first with an explicit stack: hostile code may nest deeper than Python recurses.
    stack: list[tuple[tree_sitter.Node, frozenset[str]]] = [(tree.root_node, guards.NONE)]
    while stack:
        node, proven = stack.pop()
        if node.type == "call_expression":
            walk.record_call(node, proven)
        stack.extend(walk.children(node, proven))
    calls = sorted(walk.calls, key=lambda call: (call.line, call.column, call.api))
    urls = sorted(walk.urls, key=lambda url: (url.line, url.column, url.api))
    features = language_features(tree.root_node, walk.positions)
    return ScriptFacts(tuple(calls), tuple(urls), features)


# Where the identifier ``my`` may occur (in code, strings or comments alike): subtrees
# without one hold no my.* call and no canIUse guard, so the walk skips them.
_MY: Final = re.compile(rb"(?<![A-Za-z0-9_$])my(?![A-Za-z0-9_$])")


class _Walk:
    def __init__(self, source: bytes) -> None:
        self.positions = Positions(source)
        self.calls: list[ApiCall] = []
        self.urls: list[UrlArgument] = []
        self._mentions = [match.start() for match in _MY.finditer(source)]
        self._conditions = guards.Conditions(self.mentions_my)

    def mentions_my(self, node: tree_sitter.Node) -> bool:
        index = bisect.bisect_left(self._mentions, node.start_byte)
        return index < len(self._mentions) and self._mentions[index] < node.end_byte

    def children(
        self, node: tree_sitter.Node, proven: frozenset[str]
    ) -> list[tuple[tree_sitter.Node, frozenset[str]]]:
        """The named children worth visiting, each with the canIUse names proven where it
        runs."""
        children = [child for child in node.named_children if self.mentions_my(child)]
        kind = node.type
        if kind in ("if_statement", "ternary_expression"):
            branches = self._branches(node)
            return [
                (child, _with(proven, branches.get(child.id, guards.NONE))) for child in children
            ]
        if kind == "binary_expression":
            right = node.child_by_field_name("right")
            if right is None or not any(child.id == right.id for child in children):
                return [(child, proven) for child in children]
            after_left = self._conditions.right_operand(node)
            return [
                (child, _with(proven, after_left) if child.id == right.id else proven)
                for child in children
            ]
        if kind in _STATEMENT_LISTS:
            guarded = []
            for child in children:
                guarded.append((child, proven))
                proven = _with(proven, self._conditions.early_exit(child))
            return guarded
        return [(child, proven) for child in children]

    def _branches(self, node: tree_sitter.Node) -> dict[int, frozenset[str]]:
        """Node id of the consequence and of the alternative → what the condition proves
        there."""
        condition = node.child_by_field_name("condition")
        if condition is None:
            return {}
        proven = self._conditions.proven(condition)
        branches = {}
        for field, names in (("consequence", proven.when_true), ("alternative", proven.when_false)):
            branch = node.child_by_field_name(field)
            if branch is not None:
                branches[branch.id] = names
        return branches

    def record_call(self, call: tree_sitter.Node, proven: frozenset[str]) -> None:
        function = call.child_by_field_name("function")
        api = guards.api_name(function) if function is not None else None
        if api is None:
            return
        line, column = self.positions.of(call)
        self.calls.append(ApiCall(api, line, column, proven))
        if api in _URL_APIS:
            value = _url_property(call)
            if value is not None:
                line, column = self.positions.of(value)
                self.urls.append(UrlArgument(api, static_text(value), line, column))


def _with(proven: frozenset[str], more: frozenset[str]) -> frozenset[str]:
    return proven | more if more - proven else proven


def _url_property(call: tree_sitter.Node) -> tree_sitter.Node | None:
    """The value of ``url`` in ``my.x({url: …})``; the last one, as JavaScript keeps it."""
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return None
    given = [child for child in arguments.named_children if child.type != "comment"]
    if not given or given[0].type != "object":
        return None
    value = None
    for pair in given[0].named_children:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        if key is None:
            continue
        name = node_text(key) if key.type == "property_identifier" else None
        if key.type == "string":
            known = static_text(key)
            name = known.prefix if known.complete else None
        if name == "url":
            value = pair.child_by_field_name("value")
    return value
