"""The names a JavaScript scope declares for the code inside it, read from tree-sitter nodes:
what lets the ES module rewrite (esm.py) tell an imported name from a local that shadows
it. Every walk uses an explicit stack: hostile code may nest deeper than Python recurses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import tree_sitter

from minirelease.compat.syntax import FUNCTION_NODES, node_text

NAMED_EXPRESSIONS: Final = frozenset({"function_expression", "generator_function", "class"})
DECLARATIONS: Final = frozenset(
    {"function_declaration", "generator_function_declaration", "class_declaration"}
)


def scope_names(scope: tree_sitter.Node) -> frozenset[str]:
    """The names ``scope`` declares for the code inside it (none for most nodes)."""
    kind = scope.type
    names: set[str] = set()
    if kind in FUNCTION_NODES:
        for field_name in ("parameters", "parameter"):
            parameters = scope.child_by_field_name(field_name)
            if parameters is not None:
                names.update(_pattern_names(parameters))
        body = scope.child_by_field_name("body")
        if body is not None:
            names.update(_var_names(body))
    if kind in NAMED_EXPRESSIONS:
        name = scope.child_by_field_name("name")
        if name is not None:
            names.add(node_text(name))
    if kind in ("statement_block", "switch_body", "switch_case", "switch_default"):
        for child in scope.children:
            names.update(_lexical_names(child))
    elif kind == "for_statement":
        initializer = scope.child_by_field_name("initializer")
        if initializer is not None:
            names.update(_lexical_names(initializer))
    elif kind == "for_in_statement":
        declared = scope.child_by_field_name("kind")
        left = scope.child_by_field_name("left")
        if declared is not None and declared.type in ("let", "const") and left is not None:
            names.update(_pattern_names(left))
    elif kind == "catch_clause":
        parameter = scope.child_by_field_name("parameter")
        if parameter is not None:
            names.update(_pattern_names(parameter))
    return frozenset(names)


def _lexical_names(statement: tree_sitter.Node) -> Iterator[str]:
    if statement.type == "lexical_declaration":
        yield from declared_names(statement)
    elif statement.type in DECLARATIONS:
        name = statement.child_by_field_name("name")
        if name is not None:
            yield node_text(name)


def _var_names(body: tree_sitter.Node) -> Iterator[str]:
    """``var`` names anywhere in a function's body, its nested functions aside."""
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "variable_declaration":
            yield from declared_names(node)
        elif node.type == "for_in_statement":
            declared = node.child_by_field_name("kind")
            left = node.child_by_field_name("left")
            if declared is not None and declared.type == "var" and left is not None:
                yield from _pattern_names(left)
        stack.extend(child for child in node.children if child.type not in FUNCTION_NODES)


def declared_names(declaration: tree_sitter.Node) -> Iterator[str]:
    """The names a declaration (``const {a, b: [c]} = …``, ``function f``, ``class C``)
    binds."""
    if declaration.type in ("lexical_declaration", "variable_declaration"):
        for declarator in declaration.children:
            if declarator.type == "variable_declarator":
                name = declarator.child_by_field_name("name")
                if name is not None:
                    yield from _pattern_names(name)
    else:
        name = declaration.child_by_field_name("name")
        if name is not None:
            yield node_text(name)


def _pattern_names(pattern: tree_sitter.Node) -> Iterator[str]:
    # A stack, not recursion: a hostile file can nest patterns thousands deep.
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            yield node_text(node)
        elif kind == "pair_pattern":
            stack.extend(_fields(node, "value"))
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            stack.extend(_fields(node, "left"))
        elif kind in ("object_pattern", "array_pattern", "rest_pattern", "formal_parameters"):
            stack.extend(reversed(node.children))


def _fields(node: tree_sitter.Node, name: str) -> list[tree_sitter.Node]:
    child = node.child_by_field_name(name)
    return [] if child is None else [child]
