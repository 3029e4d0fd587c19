"""ES module syntax rewritten to the sandbox's CommonJS (modules.js), as the mini program's
build does before a device runs it, keeping every line where it was.

- Imports are hoisted, as ES modules evaluate theirs first: one prologue, put on the first
  line, declares ``__esm.exports({name: () => binding})`` (getters: live bindings, defined
  before anything runs, so circular imports and later assignments work), then loads each
  imported module in order with ``__esm.import(specifier, line, column)`` (the place a
  missing module is reported at), then ``export *``. The statements themselves become
  spaces.
- An imported name is read through its module's namespace wherever the module's top scope
  sees it (``fmt(x)`` becomes ``(0, _util.fmt)(x)``, as Babel writes it): live, and a
  missing export is ``undefined`` at its use, as on a device. ``import * as ns`` is a plain
  variable.
- ``export`` before a declaration becomes spaces; ``export default <expression>`` becomes
  ``exports.default = <expression>``; an anonymous default function or class gets a name
  so that it stays a (hoisted) declaration.
- ``import(x)`` becomes ``__esm.dynamic(x)``: a tracked promise of the namespace.

Only files holding the words ``import`` or ``export`` are parsed. A file that does not parse
is left as it is (scripts.py locates its error, since V8 does not)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

import tree_sitter

from minirelease.compat.runtime.esm_scopes import (
    DECLARATIONS,
    NAMED_EXPRESSIONS,
    declared_names,
    scope_names,
)
from minirelease.compat.syntax import JAVASCRIPT, Positions, parse, without_bom

MODULE_WORDS: Final = re.compile(rb"\b(?:import|export)\b")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_$][\w$]*\Z")
_NOT_READS: Final = ("import_statement", "export_clause", "namespace_export")


@dataclass(frozen=True)
class Rewritten:
    source: bytes
    is_module: bool  # had import or export statements: runs strict, ``this`` undefined
    tree: tree_sitter.Tree | None  # the parse of the original source, when it was parsed


def to_commonjs(source: bytes) -> Rewritten:
    """``source`` with its module syntax rewritten, line for line; unchanged when it has
    none or does not parse."""
    source = without_bom(source)
    if not MODULE_WORDS.search(source):
        return Rewritten(source, False, None)
    tree = parse(JAVASCRIPT, source)
    if tree.root_node.has_error:
        return Rewritten(source, False, tree)
    rewrite = _Rewrite(source, tree.root_node)
    return Rewritten(rewrite.result(), rewrite.is_module, tree)


@dataclass
class _Import:
    variable: str  # the namespace's variable in the rewritten module
    specifier: str
    line: int
    column: int


@dataclass
class _Rewrite:
    source: bytes
    root: tree_sitter.Node
    edits: list[tuple[int, int, bytes]] = field(default_factory=list)
    imports: list[_Import] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # local name → its read
    namespaces: list[str] = field(default_factory=list)  # ``import * as ns``: plain variables
    getters: dict[str, str] = field(default_factory=dict)  # export name → expression
    stars: list[str] = field(default_factory=list)
    is_module: bool = False

    def __post_init__(self) -> None:
        self._positions = Positions(self.source)
        self._taken = set(re.findall(r"[A-Za-z_$][\w$]*", self.source.decode("utf-8", "replace")))
        self._by_specifier: dict[str, _Import] = {}
        self._scopes: dict[int, frozenset[str]] = {}
        self._shadowed_at: dict[tuple[int, str], bool] = {}
        for statement in self.root.children:
            if statement.type == "import_statement":
                self._import(statement)
            elif statement.type == "export_statement":
                self._export(statement)
        self._reads()

    # Statements.

    def _import(self, statement: tree_sitter.Node) -> None:
        self.is_module = True
        module = self._module(statement)
        self._blank(statement)
        clause = next((c for c in statement.children if c.type == "import_clause"), None)
        for part in clause.children if clause else []:
            if part.type == "identifier":
                self.bindings[_text(part)] = _member(module.variable, "default")
            elif part.type == "namespace_import":
                name = _text(part.children[-1])
                self.namespaces.append(f"{name} = {module.variable}")
            elif part.type == "named_imports":
                for specifier in (c for c in part.children if c.type == "import_specifier"):
                    name = _name(specifier.child_by_field_name("name"))
                    alias = specifier.child_by_field_name("alias")
                    local = _text(alias) if alias is not None else name
                    self.bindings[local] = _member(module.variable, name)

    def _export(self, statement: tree_sitter.Node) -> None:
        self.is_module = True
        kinds = [child.type for child in statement.children]
        declaration = statement.child_by_field_name("declaration")
        value = statement.child_by_field_name("value")
        if statement.child_by_field_name("source") is not None:
            module = self._module(statement)
            self._blank(statement)
            if "*" in kinds:
                self.stars.append(module.variable)
            for part in statement.children:
                if part.type == "namespace_export":
                    self.getters[_name(part.children[-1])] = module.variable
                elif part.type == "export_clause":
                    for name, alias in _specifiers(part):
                        self.getters[alias] = _member(module.variable, name)
        elif "export_clause" in kinds:
            self._blank(statement)
            clause = statement.children[kinds.index("export_clause")]
            for name, alias in _specifiers(clause):
                self.getters[alias] = name  # an imported name is read through its module below
        elif "default" in kinds:
            self._export_default(statement, declaration or value)
        elif declaration is not None:
            self._blank(statement.children[0])  # ``export``
            for name in declared_names(declaration):
                self.getters[name] = name

    def _export_default(self, statement: tree_sitter.Node, value: tree_sitter.Node | None) -> None:
        keywords_end = next(c for c in statement.children if c.type == "default").end_byte
        if value is not None and value.type in DECLARATIONS | NAMED_EXPRESSIONS:
            self._blank_range(statement.start_byte, keywords_end)
            name = value.child_by_field_name("name")
            if name is None:  # ``export default function () {}``: a declaration needs a name
                local = self._fresh("__default")
                keyword = [c for c in value.children if c.type in ("function", "*", "class")][-1]
                self.edits.append((keyword.end_byte, keyword.end_byte, f" {local}".encode()))
            else:
                local = _text(name)
            self.getters["default"] = local
            return
        self.edits.append((statement.start_byte, keywords_end, b"exports.default ="))

    def _module(self, statement: tree_sitter.Node) -> _Import:
        source = statement.child_by_field_name("source")
        specifier = _string(source) if source is not None else ""
        known = self._by_specifier.get(specifier)
        if known is not None:
            return known
        line, column = self._positions.of(statement)
        stem = re.sub(r"\.(js|json)$", "", specifier.rstrip("/").rsplit("/", 1)[-1])
        variable = self._fresh("_" + (re.sub(r"[^\w$]", "_", stem) or "module"))
        module = self._by_specifier[specifier] = _Import(variable, specifier, line, column)
        self.imports.append(module)
        return module

    # Dynamic imports, and imported names read through their module.

    def _reads(self) -> None:
        for alias, local in list(self.getters.items()):
            if local in self.bindings:
                self.getters[alias] = self.bindings[local]
        for node, ancestors in _walk(self.root, skip=_NOT_READS):
            kind = node.type
            parent = ancestors[-1] if ancestors else None
            if kind == "import" and parent is not None and parent.type == "call_expression":
                self.edits.append((node.start_byte, node.end_byte, b"__esm.dynamic"))
            if kind not in ("identifier", "shorthand_property_identifier"):
                continue
            name = _text(node)
            if name not in self.bindings or self._shadowed(ancestors, name):
                continue
            read = self.bindings[name]
            if kind == "shorthand_property_identifier":
                read = f"{name}: {read}"
            elif (
                parent is not None and parent.type == "call_expression" and _is_callee(node, parent)
            ):
                read = f"(0, {read})"  # called without the namespace as ``this``
                if _starts_statement(node, ancestors):
                    # Code without semicolons: a statement opening with ``(`` would call the
                    # line before it, so close that one first.
                    read = ";" + read
            self.edits.append((node.start_byte, node.end_byte, read.encode()))

    def _shadowed(self, ancestors: list[tree_sitter.Node], name: str) -> bool:
        """Whether a scope between a read and the module's top declares ``name``; the
        answer is kept for every scope passed, as a file reads one name in many places."""
        passed: list[tuple[int, str]] = []
        shadowed = False
        for scope in reversed(ancestors):
            if scope.type == "program":
                break
            known = self._shadowed_at.get((scope.id, name))
            if known is not None:
                shadowed = known
                break
            passed.append((scope.id, name))
            names = self._scopes.get(scope.id)
            if names is None:
                names = self._scopes[scope.id] = scope_names(scope)
            if name in names:
                shadowed = True
                break
        for key in passed:
            self._shadowed_at[key] = shadowed
        return shadowed

    # Text.

    def _fresh(self, wanted: str) -> str:
        name, number = wanted, 1
        while name in self._taken:
            number += 1
            name = f"{wanted}{number}"
        self._taken.add(name)
        return name

    def _blank(self, node: tree_sitter.Node) -> None:
        self._blank_range(node.start_byte, node.end_byte)

    def _blank_range(self, start: int, end: int) -> None:
        # Spaces, not nothing: columns after the statement stay true; newlines stay.
        kept = re.sub(rb"[^\r\n]", b" ", self.source[start:end])
        self.edits.append((start, end, kept))

    def _prologue(self) -> bytes:
        parts = ['"use strict";']
        if self.getters:
            getters = ", ".join(
                f"{json.dumps(name)}: () => {expression}"
                for name, expression in self.getters.items()
            )
            parts.append(f"__esm.exports({{{getters}}});")
        else:
            parts.append("__esm.exports({});")
        loads = [
            f"{module.variable} = __esm.import({json.dumps(module.specifier)}, "
            f"{module.line}, {module.column})"
            for module in self.imports
        ]
        if loads:
            parts.append(f"var {', '.join(loads)};")
        if self.namespaces:
            parts.append(f"var {', '.join(self.namespaces)};")
        parts.extend(f"__esm.star({variable});" for variable in self.stars)
        return " ".join(parts).encode() + b" "

    def result(self) -> bytes:
        pieces: list[bytes] = []
        at = 0
        for start, end, replacement in sorted(self.edits, key=lambda edit: edit[:2]):
            pieces.extend((self.source[at:start], replacement))
            at = end
        pieces.append(self.source[at:])
        result = b"".join(pieces)
        return self._prologue() + result if self.is_module else result


def _walk(
    root: tree_sitter.Node, skip: tuple[str, ...] = ()
) -> Iterator[tuple[tree_sitter.Node, list[tree_sitter.Node]]]:
    """Every node with its ancestors, root first (one list, changed as the walk goes on):
    tree-sitter finds a node's parent from the root down, so the walk keeps them."""
    cursor = root.walk()
    ancestors: list[tree_sitter.Node] = []
    while True:
        node = cursor.node
        assert node is not None
        yield node, ancestors
        if node.type not in skip and cursor.goto_first_child():
            ancestors.append(node)
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            ancestors.pop()


def _starts_statement(node: tree_sitter.Node, ancestors: list[tree_sitter.Node]) -> bool:
    """Whether ``node`` is the first token of an expression statement."""
    for ancestor in reversed(ancestors):
        if ancestor.start_byte != node.start_byte:
            return False
        if ancestor.type == "expression_statement":
            return True
    return False


def _is_callee(node: tree_sitter.Node, call: tree_sitter.Node) -> bool:
    callee = call.child_by_field_name("function")
    return callee is not None and callee.id == node.id


def _specifiers(clause: tree_sitter.Node) -> Iterator[tuple[str, str]]:
    """(name, exported as) of each ``a`` or ``a as b`` in ``{…}``."""
    for specifier in clause.children:
        if specifier.type == "export_specifier":
            name = _name(specifier.child_by_field_name("name"))
            alias = specifier.child_by_field_name("alias")
            yield name, _name(alias) if alias is not None else name


def _member(variable: str, name: str) -> str:
    return f"{variable}.{name}" if _IDENTIFIER.match(name) else f"{variable}[{json.dumps(name)}]"


def _name(node: tree_sitter.Node | None) -> str:
    """An import or export name: an identifier, ``default`` or a string."""
    if node is None:
        return ""
    return _string(node) if node.type == "string" else _text(node)


def _string(node: tree_sitter.Node) -> str:
    text = _text(node)
    if node.type != "string" or len(text) < 2:
        return text
    try:
        value = json.loads('"' + text[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')
    except json.JSONDecodeError:
        return text[1:-1]
    return value if isinstance(value, str) else text[1:-1]


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")
