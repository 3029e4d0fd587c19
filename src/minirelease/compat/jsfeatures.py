"""The JavaScript language features a script uses, each with the ECMAScript edition that
introduced it, read from the tree-sitter parse tree the script's other facts come from. An
engine older than a feature's edition fails to parse the whole file, so the
``syntax-unsupported`` rule compares these with each cell's OS language level.

A tree-sitter query finds the features in C, so a large minified file costs one query,
not a Python walk over every node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import tree_sitter

from minirelease.compat.syntax import FUNCTION_NODES, JAVASCRIPT, Positions


@dataclass(frozen=True)
class Feature:
    name: str  # what people call it, with its syntax: "optional chaining (?.)"
    level: str  # the edition that introduced it, one of profiles.LANGUAGE_LEVELS


# Capture name → feature. Only syntax counts: a missing built-in (Array.prototype.at)
# can be polyfilled, a syntax error cannot.
FEATURES: Final = {
    "object-spread": Feature("object spread ({...x})", "ES2018"),
    "object-rest": Feature("object rest properties ({...rest} = x)", "ES2018"),
    "for-await": Feature("asynchronous iteration (for await)", "ES2018"),
    "optional-catch": Feature("catch without a binding (catch {})", "ES2019"),
    "optional-chaining": Feature("optional chaining (?.)", "ES2020"),
    "nullish-coalescing": Feature("nullish coalescing (??)", "ES2020"),
    "bigint": Feature("BigInt literals (10n)", "ES2020"),
    "logical-assignment": Feature("logical assignment (||=, &&=, ??=)", "ES2021"),
    "numeric-separator": Feature("numeric separators (1_000)", "ES2021"),
    "class-field": Feature("class fields", "ES2022"),
    "private-member": Feature("private class members (#name)", "ES2022"),
    "static-block": Feature("class static blocks (static {})", "ES2022"),
}

_QUERY: Final = tree_sitter.Query(
    JAVASCRIPT,
    """
    (object (spread_element) @object-spread)
    (object_pattern (rest_pattern) @object-rest)
    (for_in_statement "await") @for-await
    (catch_clause !parameter) @optional-catch
    (optional_chain) @optional-chaining
    (binary_expression operator: "??") @nullish-coalescing
    ((number) @bigint (#match? @bigint "n$"))
    (augmented_assignment_expression operator: ["||=" "&&=" "??="]) @logical-assignment
    ((number) @numeric-separator (#match? @numeric-separator "_"))
    (field_definition) @class-field
    (private_property_identifier) @private-member
    (class_static_block) @static-block
    """,
)

# An ``await`` inside one of these is not top-level.
_FUNCTIONS: Final = FUNCTION_NODES | {"class_static_block", "field_definition"}


@dataclass(frozen=True)
class FeatureUse:
    """The first use of a feature in a file, and how many uses the file has."""

    feature: Feature
    line: int
    column: int
    uses: int


def language_features(root: tree_sitter.Node, positions: Positions) -> tuple[FeatureUse, ...]:
    """Each feature above ES2017 the tree uses, at its first use; by line, then column."""
    found: list[FeatureUse] = []
    for capture, nodes in tree_sitter.QueryCursor(_QUERY).captures(root).items():
        first = min(nodes, key=lambda node: node.start_byte)
        line, column = positions.of(first)
        found.append(FeatureUse(FEATURES[capture], line, column, len(nodes)))
    return tuple(sorted(found, key=lambda use: (use.line, use.column, use.feature.name)))


def top_level_await(root: tree_sitter.Node) -> tree_sitter.Node | None:
    """The first ``await`` outside any function. No engine runs one in a mini program: every
    script is a CommonJS module evaluated inside a function (ES modules are compiled to
    one), so it is a syntax error on every OS, not a feature of a newer language level."""
    if b"await" not in (root.text or b""):
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "await_expression" and _at_top_level(node):
            return node
        if node.type not in _FUNCTIONS:
            stack.extend(reversed(node.children))
    return None


def _at_top_level(node: tree_sitter.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in _FUNCTIONS:
            return False
        parent = parent.parent
    return True
