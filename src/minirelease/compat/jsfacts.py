"""Facts of one JavaScript file, read from its tree-sitter parse tree once per run: every
``my.*`` call with the guards around it, the ``my.*`` names the program defines itself,
the ``url`` handed to the navigation and network JSAPIs (as a symbolic value, linked across
files by compat/url_links.py), what the file binds and exports, and the language features it
uses. Rules evaluate these facts per cell without reparsing."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Final

import tree_sitter

from minirelease.compat import guards
from minirelease.compat.constants import OPAQUE, Value, local_text, select
from minirelease.compat.jsfeatures import FeatureUse, language_features
from minirelease.compat.module_facts import EMPTY_MODULE, ModuleFacts, module_facts
from minirelease.compat.syntax import (
    JAVASCRIPT,
    Positions,
    StaticText,
    node_text,
    parse,
    static_text,
    without_bom,
)
from minirelease.compat.value_reader import Converter, property_key

NAVIGATION_APIS: Final = frozenset(
    {"my.navigateTo", "my.redirectTo", "my.reLaunch", "my.switchTab"}
)
NETWORK_APIS: Final = frozenset(
    {"my.request", "my.httpRequest", "my.downloadFile", "my.uploadFile", "my.connectSocket"}
)
_URL_APIS: Final = NAVIGATION_APIS | NETWORK_APIS
# Statement lists in which an early exit guards the statements after it.
_STATEMENT_LISTS: Final = frozenset({"program", "statement_block", "switch_case", "switch_default"})


@dataclass(frozen=True)
class ApiCall:
    api: str  # "my.request", "my.ap.navigateToAlipayPage"
    line: int
    column: int
    # Names proven available where the call runs: by canIUse, by existence tests (guards.py)
    # and by the call's own ``?.()``.
    guards: frozenset[str]

    @property
    def guarded(self) -> bool:
        return guards.covers(self.guards, self.api)


@dataclass(frozen=True)
class UrlArgument:
    """The ``url`` property of the object passed to a navigation or network JSAPI."""

    api: str
    text: StaticText  # what is known of it (in this file; compat/url_links.py links further)
    line: int
    column: int  # of the expression giving the URL
    value: Value = OPAQUE  # the URL as a symbolic value, its open names left for the linker


@dataclass(frozen=True)
class ScriptFacts:
    calls: tuple[ApiCall, ...]
    urls: tuple[UrlArgument, ...]
    features: tuple[FeatureUse, ...] = ()  # language features above ES2017, from the same tree
    # ``my.*`` names the program assigns itself (``my.fncontext = …``): not host APIs.
    defined: frozenset[str] = frozenset()
    module: ModuleFacts = EMPTY_MODULE


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
        elif node.type == "assignment_expression":
            walk.record_assignment(node)
        stack.extend(walk.children(node, proven))
    calls = sorted(walk.calls, key=lambda call: (call.line, call.column, call.api))
    urls = sorted(walk.urls, key=lambda url: (url.line, url.column, url.api))
    features = language_features(tree.root_node, walk.positions)
    module = module_facts(tree.root_node, walk.converter)
    return ScriptFacts(tuple(calls), tuple(urls), features, frozenset(walk.defined), module)


# Where the identifier ``my`` may occur (in code, strings or comments alike): subtrees
# without one hold no my.* call and no canIUse guard, so the walk skips them.
_MY: Final = re.compile(rb"(?<![A-Za-z0-9_$])my(?![A-Za-z0-9_$])")


class _Walk:
    def __init__(self, source: bytes) -> None:
        self.positions = Positions(source)
        self.calls: list[ApiCall] = []
        self.urls: list[UrlArgument] = []
        self.defined: set[str] = set()
        self.converter = Converter(source)
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
        if function is None:
            return
        api = guards.api_name(function)
        if api is None:
            self.defined.update(_defined_by_call(function, call))
            return
        if call.child_by_field_name("optional_chain") is not None:
            proven = _with(proven, frozenset({api.removeprefix("my.")}))  # my.x?.(): guarded
        line, column = self.positions.of(call)
        self.calls.append(ApiCall(api, line, column, proven))
        if api in _URL_APIS:
            self._record_url(api, call)

    def record_assignment(self, assignment: tree_sitter.Node) -> None:
        """``my.x = …``, ``my['x'] = …``, ``my.x.y = …``: the program defines ``my.x``."""
        left = assignment.child_by_field_name("left")
        name = guards.api_name(left) if left is not None else None
        if name is not None and name != "my":
            self.defined.add(name)

    def _record_url(self, api: str, call: tree_sitter.Node) -> None:
        arguments = call.child_by_field_name("arguments")
        given = [] if arguments is None else _arguments(arguments)
        if not given:
            return
        if given[0].type == "object":
            node = _url_property(given[0])
            if node is None:
                return
            value = self.converter.value(node)
        else:  # my.request(options): the url of an object bound elsewhere
            node = given[0]
            value = select(self.converter.value(node), "url")
            if value is OPAQUE:
                return
        line, column = self.positions.of(node)
        self.urls.append(UrlArgument(api, local_text(value), line, column, value))


def _with(proven: frozenset[str], more: frozenset[str]) -> frozenset[str]:
    return proven | more if more - proven else proven


def _arguments(arguments: tree_sitter.Node) -> list[tree_sitter.Node]:
    return [child for child in arguments.named_children if child.type != "comment"]


def _url_property(options: tree_sitter.Node) -> tree_sitter.Node | None:
    """The value of ``url`` in ``{url: …}`` (or the ``url`` of ``{ url }``); the last one,
    as JavaScript keeps it."""
    value = None
    for member in options.named_children:
        if member.type == "shorthand_property_identifier" and node_text(member) == "url":
            value = member
        elif member.type == "pair":
            key = member.child_by_field_name("key")
            if key is not None and property_key(key) == "url":
                value = member.child_by_field_name("value")
    return value


_OBJECT_FUNCTIONS: Final = frozenset({"Object.assign", "Object.defineProperty"})


def _defined_by_call(function: tree_sitter.Node, call: tree_sitter.Node) -> set[str]:
    """``Object.assign(my, { x, y })`` defines my.x and my.y; ``Object.defineProperty(my,
    'x', …)`` defines my.x."""
    callee = node_text(function).replace(" ", "")
    arguments = call.child_by_field_name("arguments")
    if callee not in _OBJECT_FUNCTIONS or arguments is None:
        return set()
    given = _arguments(arguments)
    owner = guards.api_name(given[0]) if given else None
    if owner is None:
        return set()
    if callee == "Object.defineProperty":
        named = static_text(given[1]) if len(given) > 1 else None
        return {f"{owner}.{named.prefix}"} if named is not None and named.complete else set()
    names: set[str] = set()
    for source in given[1:]:
        if source.type != "object":
            continue
        for member in source.named_children:
            if member.type == "shorthand_property_identifier":
                names.add(f"{owner}.{node_text(member)}")
                continue
            field = {"pair": "key", "method_definition": "name"}.get(member.type)
            key = member.child_by_field_name(field) if field is not None else None
            name = property_key(key) if key is not None else None
            if name is not None:
                names.add(f"{owner}.{name}")
    return names
