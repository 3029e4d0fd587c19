"""What one file does to the App object at run time: ``this.globalData.baseUrl = …`` in the
App's own methods, ``getApp().globalData.x = …`` or ``app.host = …`` (``app`` bound to
``getApp()``) anywhere, ``Object.assign(getApp().globalData, …)``. The package linker
(compat/url_links.py) reads an App member as a constant only when every value it may hold
is the same."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import tree_sitter

from minirelease.compat.constants import OPAQUE, AppMember, Ref, Value, select
from minirelease.compat.syntax import JAVASCRIPT
from minirelease.compat.value_reader import Converter, member_key


@dataclass(frozen=True)
class AppWrite:
    """``members…`` of the App object set to ``value`` (unknown: an update like ``+=`` or a
    merge that may set anything below)."""

    members: tuple[str, ...]
    value: Value


# Writes looked at in one file; past this, every App member is taken as written unknown.
MAX_WRITES: Final = 20_000
# A file that neither calls getApp nor registers the App cannot reach the App object.
_MENTIONS_APP: Final = re.compile(rb"(?<![\w$.])(?:getApp|App)\s*\(")
_WRITES: Final = tree_sitter.Query(
    JAVASCRIPT,
    """
    [
      (assignment_expression left: [(member_expression) (subscript_expression)]) @write
      (augmented_assignment_expression
        left: [(member_expression) (subscript_expression)]) @write
      (call_expression
        function: (member_expression
          object: (identifier) @object (#eq? @object "Object")
          property: (property_identifier) @merge (#eq? @merge "assign"))) @write
    ]
    """,
)
_EVERYTHING: Final = (AppWrite((), OPAQUE),)


def app_writes(
    program: tree_sitter.Node, converter: Converter, bindings: Mapping[str, Value]
) -> tuple[AppWrite, ...]:
    """The App members the file sets; ``bindings`` are its top-level names (``const app =
    getApp()`` at the top level, then ``app.x = …`` in a function)."""
    source = program.text or b""
    if _MENTIONS_APP.search(source) is None:
        return ()
    nodes = tree_sitter.QueryCursor(_WRITES).captures(program).get("write", [])
    if len(nodes) > MAX_WRITES:
        return _EVERYTHING
    found: list[AppWrite] = []
    for node in nodes:
        write = _write(node, converter, bindings)
        if write is not None:
            found.append(write)
    return tuple(found)


def _write(
    node: tree_sitter.Node, converter: Converter, bindings: Mapping[str, Value]
) -> AppWrite | None:
    if node.type == "call_expression":  # Object.assign(target, …): anything below target
        arguments = node.child_by_field_name("arguments")
        given = [c for c in arguments.named_children if c.type != "comment"] if arguments else []
        merged = _app_member(converter.value(given[0]), bindings) if given else None
        return AppWrite(merged.members, OPAQUE) if merged is not None else None
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    owner = left.child_by_field_name("object") if left is not None else None
    if left is None or right is None or owner is None:
        return None
    target = _app_member(converter.value(owner), bindings)
    if target is None:
        return None
    key = member_key(left)
    if key is None:  # a computed member: any member of the target
        return AppWrite(target.members, OPAQUE)
    plain = node.type == "assignment_expression"
    return AppWrite((*target.members, key), converter.value(right) if plain else OPAQUE)


def _app_member(value: Value, bindings: Mapping[str, Value]) -> AppMember | None:
    """``value`` as a member of the App object, following the file's top-level names."""
    for _ in range(8):  # an alias of an alias, not further
        if isinstance(value, AppMember):
            return value
        if not isinstance(value, Ref) or value.name not in bindings:
            return None
        members, value = value.members, bindings[value.name]
        for member in members:
            value = select(value, member)
    return None
