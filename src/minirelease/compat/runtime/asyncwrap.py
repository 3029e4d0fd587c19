"""Async functions rewritten so the smoke test can see their rejections. An async function
returns the engine's own promise, whose rejection nothing in JavaScript can observe; the
rewrite hands that promise to ``__smoke.trackAsync``, which reports it when nobody handles
it. Only text on the function's first and last lines changes, so line numbers hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import tree_sitter

from minirelease.compat.syntax import JAVASCRIPT, parse

_ASYNC_FUNCTIONS: Final = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "method_definition"}
)
_OPEN: Final = b"return __smoke.trackAsync((async () => "
_CLOSE: Final = b")())"


def track_async_functions(source: bytes) -> bytes:
    """``source`` with every async (non-generator) function made a plain function returning
    a tracked promise; a file that does not parse is returned as it is (running it then
    reports the syntax error)."""
    if b"async" not in source:
        return source  # most files: nothing to rewrite, so no need to parse them again
    tree = parse(JAVASCRIPT, source)
    if tree.root_node.has_error:
        return source
    edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement)
    for node in _async_functions(tree.root_node):
        keyword = next(child for child in node.children if child.type == "async")
        body = node.child_by_field_name("body")
        if body is None:
            continue
        edits.append((keyword.start_byte, keyword.end_byte, b" " * len(b"async")))
        if body.type == "statement_block":
            edits.append((body.start_byte, body.start_byte, b"{" + _OPEN))
            edits.append((body.end_byte, body.end_byte, _CLOSE + b"}"))
        else:  # an arrow function's expression body
            edits.append((body.start_byte, body.start_byte, b"{" + _OPEN + b"("))
            edits.append((body.end_byte, body.end_byte, b")" + _CLOSE + b"}"))
    result = source
    # From the end, so earlier offsets stay valid. At one offset the replaced keyword goes
    # first (an outer arrow's body may start with it), then insertions in the order made,
    # outer function first, each landing before the one already there.
    ordered = sorted(edits, key=lambda edit: (edit[0], edit[1] > edit[0]), reverse=True)
    for start, end, replacement in ordered:
        result = result[:start] + replacement + result[end:]
    return result


def _async_functions(root: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        kinds = {child.type for child in node.children}
        if node.type in _ASYNC_FUNCTIONS and "async" in kinds and "*" not in kinds:
            yield node  # async generators stay as they are
        stack.extend(node.children)
