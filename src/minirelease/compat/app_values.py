"""The App object in the syntax of one file, for the value reader: the object literal handed
to ``App({…})``, the functions whose ``this`` is the App (its own methods), ``getApp()``,
and the one expression a method returns. Walks are capped, so hostile nesting reads as
"not the App" or "no known return" instead of going on."""

from __future__ import annotations

from typing import Final

import tree_sitter

from minirelease.compat.syntax import FUNCTION_NODES, node_text

# Functions that bind their own ``this`` (an arrow function takes its ``this`` from outside).
_THIS_BINDERS: Final = FUNCTION_NODES - {"arrow_function"}
# Ancestors looked through from a ``this`` for the function that binds it.
MAX_THIS_STEPS: Final = 256
# Nodes of a method's body looked through for its return statement; a longer body's
# result is unknown.
MAX_BODY_NODES: Final = 4096


def is_call_to(call: tree_sitter.Node, name: str) -> bool:
    """Whether ``call`` is ``name(…)`` for a plain identifier ``name``."""
    function = call.child_by_field_name("function")
    return function is not None and function.type == "identifier" and node_text(function) == name


def is_app_object(node: tree_sitter.Node | None) -> bool:
    """Whether ``node`` is the object literal of ``App({…})``, a statement of the file's
    top level (where compat/module_facts.py reads it)."""
    if node is None or node.type != "object":
        return False
    arguments = node.parent
    if arguments is None or arguments.type != "arguments":
        return False
    first = next((c for c in arguments.named_children if c.type != "comment"), None)
    call = arguments.parent
    return (
        first is not None
        and first.id == node.id
        and call is not None
        and call.type == "call_expression"
        and is_call_to(call, "App")
        and call.parent is not None
        and call.parent.type == "expression_statement"
        and call.parent.parent is not None
        and call.parent.parent.type == "program"
    )


def binds_app(this: tree_sitter.Node) -> bool:
    """Whether ``this`` here is the App object: the nearest function binding ``this`` is a
    method of ``App({…})`` (``onLaunch() {…}`` or ``onLaunch: function () {…}``)."""
    current = this.parent
    for _ in range(MAX_THIS_STEPS):
        if current is None:
            return False
        if current.type in _THIS_BINDERS:
            return is_app_object(_owner(current))
        current = current.parent
    return False


def _owner(function: tree_sitter.Node) -> tree_sitter.Node | None:
    """The object literal ``function`` is a method of, if it is one."""
    parent = function.parent
    if function.type == "method_definition":
        return parent
    if parent is not None and parent.type == "pair":
        value = parent.child_by_field_name("value")
        if value is not None and value.id == function.id:
            return parent.parent
    return None


def is_getter(method: tree_sitter.Node) -> bool:
    return method.type == "method_definition" and any(c.type == "get" for c in method.children)


def returned_expression(function: tree_sitter.Node) -> tree_sitter.Node | None:
    """What ``function`` returns: an arrow's expression body, or the argument of the one
    return statement of its body (nested functions aside). None when it has none, several
    or a body too long to look through."""
    body = function.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return body if function.type == "arrow_function" else None
    returns: list[tree_sitter.Node] = []
    stack = list(body.named_children)
    for _ in range(MAX_BODY_NODES):
        if not stack:
            break
        node = stack.pop()
        if node.type == "return_statement":
            returns.append(node)
        elif node.type not in FUNCTION_NODES and node.type not in ("class", "class_declaration"):
            stack.extend(node.named_children)
    else:
        return None
    if len(returns) != 1:
        return None
    argument = [c for c in returns[0].named_children if c.type != "comment"]
    return argument[0] if len(argument) == 1 else None
