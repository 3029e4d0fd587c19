"""JSAPI guards: which JSAPIs a condition proves available when it holds, and when it does
not. A condition is ``my.canIUse('scan')``, or a test that the API exists: ``my.scan``,
``typeof my.scan === 'function'`` (``!== 'undefined'``), ``my.scan != null``, ``'scan' in my``,
combined with ``!``, ``&&``, ``||``. The JS walker applies them to the branches a condition
controls:

    if (my.canIUse('scan')) { my.scan() }          // the consequence
    my.scan && my.scan()                           // the right operand of &&
    my.canIUse('scan') ? my.scan() : fallback()    // the consequence of ?:
    if (!my.scan) return;  my.scan()               // the statements after an early exit

Names are kept without the ``my.`` prefix, as ``my.canIUse`` takes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import tree_sitter

from minirelease.compat.syntax import MAX_EXPRESSION_DEPTH, node_text, static_text

CAN_I_USE: Final = "my.canIUse"
NONE: Final[frozenset[str]] = frozenset()
MAX_GUARD_NAMES: Final = 64


@dataclass(frozen=True)
class Proven:
    when_true: frozenset[str] = NONE
    when_false: frozenset[str] = NONE

    def negated(self) -> Proven:
        return Proven(self.when_false, self.when_true)


NOTHING: Final = Proven()


def api_name(node: tree_sitter.Node) -> str | None:
    """``my.a.b`` for a member chain rooted at the identifier ``my`` (``my['a']`` too, with a
    literal key); None for anything else."""
    names: list[str] = []
    current = node
    for _ in range(MAX_EXPRESSION_DEPTH):
        if current.type == "identifier":
            return ".".join(["my", *reversed(names)]) if node_text(current) == "my" else None
        if current.type == "member_expression":
            member = current.child_by_field_name("property")
            if member is None or member.type != "property_identifier":
                return None
            names.append(node_text(member))
        elif current.type == "subscript_expression":
            index = current.child_by_field_name("index")
            key = static_text(index) if index is not None else None
            if key is None or not key.complete:
                return None
            names.append(key.prefix)
        else:
            return None
        parent = current.child_by_field_name("object")
        if parent is None:
            return None
        current = parent
    return None


def covers(guards: frozenset[str], api: str) -> bool:
    """Whether ``guards`` prove ``api`` (``my.x.y``) available. ``canIUse('getLocation')`` and
    the finer ``canIUse('getLocation.object.type')`` both prove ``my.getLocation``."""
    name = api.removeprefix("my.")
    return any(guard == name or guard.startswith(name + ".") for guard in guards)


class Conditions:
    """What conditions prove, for one parse tree. Results are kept per node: a walk asks
    about the left operand of every ``&&`` in a chain, so without them a long chain would
    cost its length squared. Evaluated with an explicit stack, since hostile code may nest
    conditions deeper than Python recurses. ``relevant`` says whether a node may mention
    ``my`` at all (a canIUse call or an existence test), so the rest is never looked into."""

    def __init__(self, relevant: Callable[[tree_sitter.Node], bool]) -> None:
        self._relevant = relevant
        self._known: dict[int, Proven] = {}

    def proven(self, condition: tree_sitter.Node) -> Proven:
        stack = [condition]
        while stack:
            node = stack[-1]
            if node.id in self._known:
                stack.pop()
                continue
            _, operands = self._shape(node)
            pending = [operand for operand in operands if operand.id not in self._known]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            self._known[node.id] = self._combine(node)
        return self._known[condition.id]

    def right_operand(self, binary: tree_sitter.Node) -> frozenset[str]:
        """What ``a && b`` / ``a || b`` proves where its right operand runs."""
        operator = binary.child_by_field_name("operator")
        left = binary.child_by_field_name("left")
        if operator is None or left is None or operator.type not in ("&&", "||"):
            return NONE
        proven = self.proven(left)
        return proven.when_true if operator.type == "&&" else proven.when_false

    def early_exit(self, statement: tree_sitter.Node) -> frozenset[str]:
        """What ``if (cond) return;`` (no else) proves for the statements after it."""
        if statement.type != "if_statement":
            return NONE
        if statement.child_by_field_name("alternative") is not None:
            return NONE
        condition = statement.child_by_field_name("condition")
        consequence = statement.child_by_field_name("consequence")
        if condition is None or consequence is None or not _always_exits(consequence):
            return NONE
        return self.proven(condition).when_false

    def _shape(self, node: tree_sitter.Node) -> tuple[str, list[tree_sitter.Node]]:
        """How a condition combines its operands ("same", "not", "&&", "||"), or what leaf
        it is ("call", "none")."""
        if not self._relevant(node):
            return "none", []
        kind = node.type
        if kind == "parenthesized_expression":
            inner = [child for child in node.named_children if child.type != "comment"]
            return ("same", inner) if len(inner) == 1 else ("none", [])
        if kind == "unary_expression":
            operator = node.child_by_field_name("operator")
            argument = node.child_by_field_name("argument")
            if operator is not None and operator.type == "!" and argument is not None:
                return "not", [argument]
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if (
                operator is not None
                and operator.type in ("&&", "||")
                and left is not None
                and right is not None
            ):
                return operator.type, [left, right]
            if operator is not None and operator.type in _TESTS:
                return "test", []
        if kind == "call_expression":
            return "call", []
        if kind in ("member_expression", "subscript_expression"):
            return "test", []
        return "none", []

    def _combine(self, node: tree_sitter.Node) -> Proven:
        shape, operands = self._shape(node)
        results = [self._known[operand.id] for operand in operands]
        if shape == "same":
            return results[0]
        if shape == "not":
            return results[0].negated()
        if shape == "&&":  # true: both held; false: one of them did not
            a, b = results
            return Proven(_capped(a.when_true | b.when_true), a.when_false & b.when_false)
        if shape == "||":
            a, b = results
            return Proven(a.when_true & b.when_true, _capped(a.when_false | b.when_false))
        if shape == "call":
            return _can_i_use(node)
        if shape == "test":
            return _existence_test(node)
        return NOTHING


def _capped(names: frozenset[str]) -> frozenset[str]:
    """Real guards name a few APIs; a hostile chain of thousands must not make every union
    cost thousands. Past the cap, some names are dropped (their calls may then be reported)."""
    return names if len(names) <= MAX_GUARD_NAMES else frozenset(sorted(names)[:MAX_GUARD_NAMES])


def _can_i_use(call: tree_sitter.Node) -> Proven:
    function = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    if function is None or arguments is None or api_name(function) != CAN_I_USE:
        return NOTHING
    given = [child for child in arguments.named_children if child.type != "comment"]
    if not given:
        return NOTHING
    name = static_text(given[0])
    if not name.complete or not name.prefix:
        return NOTHING
    return Proven(when_true=frozenset({name.prefix.removeprefix("my.")}))


# Comparisons that may test whether an API exists (the other operand decides).
_COMPARISONS: Final = frozenset({"===", "!==", "==", "!="})
_TESTS: Final = _COMPARISONS | {"in"}
# ``typeof my.x === …``: whether the API exists when the type equals the string.
_EXISTS_WHEN_TYPE_IS: Final = {"function": True, "undefined": False}


def _existence_test(node: tree_sitter.Node) -> Proven:
    """``my.x``, ``typeof my.x === 'function'``, ``my.x != null``, ``'x' in my``."""
    if node.type != "binary_expression":
        name = api_name(node)
        return _exists(name) if name is not None else NOTHING
    operator = node.child_by_field_name("operator")
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if operator is None or left is None or right is None:
        return NOTHING
    if operator.type == "in":
        key = static_text(left)
        if api_name(right) != "my" or not key.complete or not key.prefix:
            return NOTHING
        return _exists("my." + key.prefix)
    for tested, other in ((left, right), (right, left)):
        holds = _holds_when_exists(tested, other, operator.type)
        if holds is not None:
            name, exists_when_true = holds
            proven = _exists(name)
            return proven if exists_when_true else proven.negated()
    return NOTHING


def _holds_when_exists(
    tested: tree_sitter.Node, other: tree_sitter.Node, operator: str
) -> tuple[str, bool] | None:
    """(API, whether the comparison holding means it exists) for ``typeof my.x === 'function'``
    and ``my.x != null`` shapes; None for any other comparison."""
    equal = operator in ("===", "==")
    if tested.type == "unary_expression":
        typeof = tested.child_by_field_name("operator")
        argument = tested.child_by_field_name("argument")
        value = static_text(other)
        if typeof is None or typeof.type != "typeof" or argument is None or not value.complete:
            return None
        exists_if_equal = _EXISTS_WHEN_TYPE_IS.get(value.prefix)
        name = api_name(argument)
        if exists_if_equal is None or name is None:
            return None
        return name, exists_if_equal == equal
    name = api_name(tested)
    if name is None or not _is_nullish(other, strict=operator in ("===", "!==")):
        return None
    return name, not equal


def _is_nullish(node: tree_sitter.Node, *, strict: bool) -> bool:
    """``undefined`` (``void 0``); ``null`` too for a loose comparison, which treats both
    alike (``my.x !== null`` holds for a missing API)."""
    if node.type == "undefined":
        return True
    if node.type == "unary_expression":
        operator = node.child_by_field_name("operator")
        return operator is not None and operator.type == "void"
    return node.type == "null" and not strict


def _exists(name: str) -> Proven:
    if name == "my":
        return NOTHING
    return Proven(when_true=frozenset({name.removeprefix("my.")}))


_EXITS: Final = frozenset({"return_statement", "throw_statement"})


def _always_exits(statement: tree_sitter.Node) -> bool:
    if statement.type in _EXITS:
        return True
    if statement.type == "statement_block":
        body = [child for child in statement.named_children if child.type != "comment"]
        return bool(body) and body[-1].type in _EXITS
    return False
