"""Reading JavaScript expressions of one file into symbolic values (compat/constants.py).
Declarations are looked up through the enclosing scopes: constants of inner scopes (and a
parameter's default) are inlined, names bound at the file's top level stay ``Ref``s for the
package linker, ``require('x')`` becomes ``Imported``, ``getApp()`` and ``this`` in the
App's methods become ``AppMember`` and a method call ``a.f(…)`` becomes the ``CALL`` member
of ``a.f``. Depth and scope walks are capped, so hostile nesting reads as unknown instead of
recursing on."""

from __future__ import annotations

from typing import Final

import tree_sitter

from minirelease.compat.app_values import (
    binds_app,
    is_app_object,
    is_call_to,
    is_getter,
    returned_expression,
)
from minirelease.compat.assignments import Assignments
from minirelease.compat.constants import (
    CALL,
    MAX_MEMBERS,
    OPAQUE,
    AppMember,
    Imported,
    Record,
    Ref,
    Text,
    Value,
    concat,
    select,
)
from minirelease.compat.syntax import (
    FUNCTION_NODES,
    MAX_EXPRESSION_DEPTH,
    node_text,
    static_text,
    unescape,
)

_SCOPES: Final = frozenset({"program", "statement_block", "switch_case", "switch_default"})
_DECLARATIONS: Final = frozenset({"lexical_declaration", "variable_declaration"})
# Ancestors looked through for a name's declaration; a deeper use is left unknown.
MAX_SCOPE_STEPS: Final = 256


class Converter:
    """Turns the expressions of one file into values. Declarations are looked up through the
    enclosing scopes; each inner declaration is converted once (kept by node)."""

    def __init__(self, source: bytes) -> None:
        self._assignments = Assignments(source)
        self._scopes: dict[int, dict[str, tree_sitter.Node]] = {}
        self._inner: dict[tuple[int, str], Value] = {}
        # Functions read for what they return: their parameters are whatever callers pass.
        self._called: set[int] = set()

    def value(self, node: tree_sitter.Node, depth: int = 0) -> Value:
        if depth > MAX_EXPRESSION_DEPTH:
            return OPAQUE
        kind = node.type
        if kind in ("string", "template_string"):
            return self._string(node, depth)
        if kind == "parenthesized_expression":
            inner = [child for child in node.named_children if child.type != "comment"]
            return self.value(inner[0], depth + 1) if len(inner) == 1 else OPAQUE
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if operator is None or operator.type != "+" or left is None or right is None:
                return OPAQUE
            return concat([self.value(left, depth + 1), self.value(right, depth + 1)])
        if kind in ("identifier", "shorthand_property_identifier"):
            return self.name(node, depth)
        if kind in ("member_expression", "subscript_expression"):
            key = member_key(node)
            target = node.child_by_field_name("object")
            if key is None or target is None:
                return OPAQUE
            return select(self.value(target, depth + 1), key)
        if kind == "object":
            return self._object(node, depth)
        if kind == "call_expression":
            return self._call(node, depth)
        if kind == "this":
            return AppMember() if binds_app(node) else OPAQUE
        return OPAQUE

    def name(self, identifier: tree_sitter.Node, depth: int) -> Value:
        """What a name used at ``identifier`` holds: an inner constant inlined, a top-level
        name left as a ``Ref``."""
        name = node_text(identifier)
        scope = identifier.parent
        for _ in range(MAX_SCOPE_STEPS):
            if scope is None:
                return OPAQUE
            if scope.type == "program":
                return Ref(name)
            if scope.type in _SCOPES:
                declarator = self._declared(scope).get(name)
                if declarator is not None:
                    return self._inner_value(declarator, name, depth)
            elif scope.type in FUNCTION_NODES or scope.type in ("catch_clause", "for_in_statement"):
                bound = _parameter(scope, name)
                if bound is not None:
                    return OPAQUE if scope.id in self._called else self._default(bound, depth)
            elif scope.type == "for_statement":
                initializer = scope.child_by_field_name("initializer")
                if initializer is not None and name in declared_names(initializer):
                    return OPAQUE
            scope = scope.parent
        return OPAQUE

    def declarator_value(self, declarator: tree_sitter.Node, name: str, depth: int) -> Value:
        """The value ``name`` gets from ``const name = …`` or ``const { name } = …``; a
        ``let`` or ``var`` assigned again anywhere in the file is not a constant."""
        declaration = declarator.parent
        constant = (
            declaration is not None
            and declaration.type == "lexical_declaration"
            and declaration.children[0].type == "const"
        )
        if not constant and self._assignments.reassigned(name):
            return OPAQUE
        target = declarator.child_by_field_name("name")
        initializer = declarator.child_by_field_name("value")
        if target is None or initializer is None:
            return OPAQUE
        value = self.value(initializer, depth + 1)
        if target.type == "identifier":
            return self._unmutated(name, value)
        path = _pattern_path(target, name)
        if path is None:
            return OPAQUE
        for key in path:
            value = select(value, key)
        return value

    def _unmutated(self, name: str, value: Value) -> Value:
        """An object bound to ``name`` without the members the file assigns later."""
        if not isinstance(value, Record):
            return value
        assigned = self._assignments.assigned_members(name)
        if assigned is None:
            return OPAQUE
        return Record(tuple((key, item) for key, item in value.members if key not in assigned))

    def _inner_value(self, declarator: tree_sitter.Node, name: str, depth: int) -> Value:
        key = (declarator.id, name)
        cached = self._inner.get(key)
        if cached is None:
            self._inner[key] = OPAQUE  # while converting: a declaration that uses itself
            cached = self._inner[key] = self.declarator_value(declarator, name, depth)
        return cached

    def _default(self, bound: tree_sitter.Node, depth: int) -> Value:
        """A parameter: its default value when it has one (the URL used when the caller
        gives none), else unknown."""
        if bound.type != "assignment_pattern":
            return OPAQUE
        left = bound.child_by_field_name("left")
        right = bound.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier":
            return OPAQUE
        return self.value(right, depth + 1)

    def _declared(self, scope: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
        """Name → declarator, for the declarations directly in ``scope``."""
        found = self._scopes.get(scope.id)
        if found is None:
            found = {}
            for statement in scope.named_children:
                if statement.type not in _DECLARATIONS:
                    continue
                for declarator in statement.named_children:
                    if declarator.type == "variable_declarator":
                        for name in declared_names(declarator):
                            found[name] = declarator
            self._scopes[scope.id] = found
        return found

    def _string(self, node: tree_sitter.Node, depth: int) -> Value:
        if node.type == "string":
            known = static_text(node)
            return Text(known.prefix) if known.complete else OPAQUE
        values: list[Value] = []
        for child in node.named_children:
            if child.type in ("string_fragment", "escape_sequence"):
                values.append(Text(_fragment_text(child)))
            elif child.type == "template_substitution":
                inner = [c for c in child.named_children if c.type != "comment"]
                values.append(self.value(inner[0], depth + 1) if len(inner) == 1 else OPAQUE)
        return concat(values)

    def _call(self, call: tree_sitter.Node, depth: int) -> Value:
        specifier = required(call)
        if specifier is not None:
            return Imported(specifier)
        if is_call_to(call, "getApp"):
            return AppMember()
        function = call.child_by_field_name("function")
        if function is None or function.type not in ("member_expression", "subscript_expression"):
            return OPAQUE
        return select(self.value(function, depth + 1), CALL)

    def _object(self, node: tree_sitter.Node, depth: int) -> Value:
        """An object literal's members; the App's methods too (as what they return), as
        calls of them build the program's URLs."""
        methods = is_app_object(node)
        members: list[tuple[str, Value]] = []
        for child in node.named_children[:MAX_MEMBERS]:
            if child.type == "shorthand_property_identifier":
                members.append((node_text(child), self.name(child, depth + 1)))
            elif child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                name = property_key(key) if key is not None else None
                if name is None or value is None:
                    continue
                if methods and value.type in ("function_expression", "arrow_function"):
                    members.append((name, Record(((CALL, self._returned(value, depth)),))))
                else:
                    members.append((name, self.value(value, depth + 1)))
            elif methods and child.type == "method_definition":
                key = child.child_by_field_name("name")
                name = property_key(key) if key is not None else None
                if name is not None:
                    returned = self._returned(child, depth)
                    members.append(
                        (name, returned if is_getter(child) else Record(((CALL, returned),)))
                    )
        return Record(tuple(members))

    def _returned(self, function: tree_sitter.Node, depth: int) -> Value:
        """What ``function`` returns, its parameters unknown."""
        expression = returned_expression(function)
        if expression is None:
            return OPAQUE
        self._called.add(function.id)
        return self.value(expression, depth + 1)


def member_key(node: tree_sitter.Node) -> str | None:
    """``b`` of ``a.b``, ``a?.b`` and ``a['b']``; None for a computed key."""
    if node.type == "member_expression":
        member = node.child_by_field_name("property")
        return node_text(member) if member is not None else None
    index = node.child_by_field_name("index")
    known = static_text(index) if index is not None else None
    return known.prefix if known is not None and known.complete else None


def property_key(key: tree_sitter.Node) -> str | None:
    if key.type in ("property_identifier", "number"):
        return node_text(key)
    if key.type == "string":
        known = static_text(key)
        return known.prefix if known.complete else None
    return None


# Babel's helpers around a require in compiled code: ``_interopRequireDefault(require('x'))``
# gives an object whose ``default`` is the module's default export, as an import does.
_INTEROP_HELPERS: Final = frozenset({"_interopRequireDefault", "_interopRequireWildcard"})


def required(call: tree_sitter.Node) -> str | None:
    """``'x'`` of ``require('x')`` (also wrapped once in a Babel interop helper)."""
    given = _call_arguments(call)
    if _callee(call) in _INTEROP_HELPERS and given and given[0].type == "call_expression":
        call = given[0]
        given = _call_arguments(call)
    if _callee(call) != "require" or len(given) != 1 or given[0].type != "string":
        return None
    known = static_text(given[0])
    return known.prefix if known.complete else None


def _callee(call: tree_sitter.Node) -> str | None:
    function = call.child_by_field_name("function")
    return node_text(function) if function is not None and function.type == "identifier" else None


def _call_arguments(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [child for child in arguments.named_children if child.type != "comment"]


def declared_names(node: tree_sitter.Node) -> list[str]:
    """Names a declarator (or a for loop's declaration) binds, patterns included, at most a
    few levels deep."""
    names: list[str] = []
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if current.type in ("identifier", "shorthand_property_identifier_pattern"):
            names.append(node_text(current))
            continue
        if depth > 8:
            continue
        if current.type == "variable_declarator":
            target = current.child_by_field_name("name")
            if target is not None:
                stack.append((target, depth + 1))
            continue
        for field in (
            ("value", "left") if current.type in ("pair_pattern", "assignment_pattern") else ()
        ):
            child = current.child_by_field_name(field)
            if child is not None:
                stack.append((child, depth + 1))
        if current.type in (
            "object_pattern",
            "array_pattern",
            "lexical_declaration",
            "variable_declaration",
            "rest_pattern",
        ):
            stack.extend((child, depth + 1) for child in current.named_children)
    return names


def _pattern_path(pattern: tree_sitter.Node, name: str, depth: int = 0) -> tuple[str, ...] | None:
    """The member path ``name`` takes out of a destructured value: ``{ a: { b: name } }``
    gives ("a", "b"). Only object patterns with plain keys; None otherwise."""
    if pattern.type != "object_pattern" or depth > 8:
        return None
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern" and node_text(child) == name:
            return (name,)
        if child.type != "pair_pattern":
            continue
        key = child.child_by_field_name("key")
        value = child.child_by_field_name("value")
        if key is None or value is None or name not in declared_names(value):
            continue
        member = property_key(key)
        if member is None:
            return None
        if value.type == "identifier":
            return (member,)
        rest = _pattern_path(value, name, depth + 1)
        return None if rest is None else (member, *rest)
    return None


def _parameter(function: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """The parameter (or catch binding, loop variable) that binds ``name``: the identifier,
    or its ``name = default`` pattern."""
    candidates: list[tree_sitter.Node] = []
    for field in ("parameters", "parameter", "left"):
        child = function.child_by_field_name(field)
        if child is None:
            continue
        candidates.extend(child.named_children if child.type == "formal_parameters" else [child])
    for candidate in candidates:
        if candidate.type == "assignment_pattern":
            left = candidate.child_by_field_name("left")
            if left is not None and name in declared_names(left):
                return candidate
        elif name in declared_names(candidate):
            return candidate
    return None


def _fragment_text(node: tree_sitter.Node) -> str:
    return node_text(node) if node.type == "string_fragment" else unescape(node_text(node))
