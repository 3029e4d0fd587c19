"""What one JavaScript file binds at its top level and exports, as symbolic values
(compat/constants.py): its constants and imports, ES module exports (named, default,
re-exported) and CommonJS ones (``module.exports = …``, ``exports.X = …``), the App object
it registers (``App({…})``) and what it writes into the App object. The package linker
(compat/url_links.py) reads a name another file imports, or an App member, from these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import tree_sitter

from minirelease.compat.app_values import is_call_to
from minirelease.compat.app_writes import AppWrite, app_writes
from minirelease.compat.constants import OPAQUE, Imported, Ref, Value
from minirelease.compat.syntax import node_text, static_text
from minirelease.compat.value_reader import Converter, declared_names, member_key

# A file's top level with more statements than this (minified bundles) is read this far.
MAX_STATEMENTS: Final = 20_000


@dataclass(frozen=True)
class ModuleFacts:
    bindings: Mapping[str, Value] = field(default_factory=dict)  # top-level name → value
    exports: Mapping[str, Value] = field(default_factory=dict)  # "default" for the default
    whole: Value | None = None  # what ``module.exports = …`` sets
    star_exports: tuple[str, ...] = ()  # specifiers of ``export * from '…'``
    app: Value | None = None  # the object handed to ``App(…)`` at the top level
    app_writes: tuple[AppWrite, ...] = ()  # App members the file sets


EMPTY_MODULE: Final = ModuleFacts()


def module_facts(program: tree_sitter.Node, converter: Converter) -> ModuleFacts:
    bindings: dict[str, Value] = {}
    exports: dict[str, Value] = {}
    whole: Value | None = None
    app: Value | None = None
    stars: list[str] = []
    for statement in program.named_children[:MAX_STATEMENTS]:
        kind = statement.type
        if kind in ("lexical_declaration", "variable_declaration"):
            bindings.update(_declared(statement, converter))
        elif kind == "import_statement":
            bindings.update(_imports(statement))
        elif kind == "export_statement":
            stars.extend(_exports(statement, converter, bindings, exports))
        elif kind == "expression_statement":
            app = _registered_app(statement, converter) or app
            assigned = _common_js(statement, converter)
            if assigned is not None:
                name, value = assigned
                if name is None:
                    whole = value
                else:
                    exports[name] = value
    writes = app_writes(program, converter, bindings)
    return ModuleFacts(bindings, exports, whole, tuple(stars), app, writes)


def _registered_app(statement: tree_sitter.Node, converter: Converter) -> Value | None:
    """The object of ``App({…})``. One built elsewhere (``App(config)``) is unknown: its
    methods' ``this`` and the members they set are not read."""
    call = next(iter(statement.named_children), None)
    if call is None or call.type != "call_expression" or not is_call_to(call, "App"):
        return None
    arguments = call.child_by_field_name("arguments")
    given = [] if arguments is None else arguments.named_children
    given = [child for child in given if child.type != "comment"]
    if not given:
        return None
    return converter.value(given[0]) if given[0].type == "object" else OPAQUE


def _declared(statement: tree_sitter.Node, converter: Converter) -> dict[str, Value]:
    found: dict[str, Value] = {}
    for declarator in statement.named_children:
        if declarator.type == "variable_declarator":
            for name in declared_names(declarator):
                found[name] = converter.declarator_value(declarator, name, 0)
    return found


def _imports(statement: tree_sitter.Node) -> dict[str, Value]:
    source = _specifier(statement)
    clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
    if source is None or clause is None:
        return {}
    found: dict[str, Value] = {}
    for child in clause.named_children:
        if child.type == "identifier":
            found[node_text(child)] = Imported(source, ("default",))
        elif child.type == "namespace_import":
            for name in child.named_children:
                found[node_text(name)] = Imported(source)
        elif child.type == "named_imports":
            for specifier in child.named_children:
                imported = specifier.child_by_field_name("name")
                local = specifier.child_by_field_name("alias") or imported
                if imported is not None and local is not None:
                    found[node_text(local)] = Imported(source, (_export_name(imported),))
    return found


def _exports(
    statement: tree_sitter.Node,
    converter: Converter,
    bindings: dict[str, Value],
    exports: dict[str, Value],
) -> list[str]:
    """Records the statement's exports; returns the specifiers it re-exports all of."""
    source = _specifier(statement)
    declaration = statement.child_by_field_name("declaration")
    value = statement.child_by_field_name("value")
    clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
    if declaration is not None:
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            declared = _declared(declaration, converter)
            bindings.update(declared)
            exports.update({name: Ref(name) for name in declared})
    elif value is not None:
        exports["default"] = converter.value(value)
    elif clause is not None:
        for specifier in clause.named_children:
            name = specifier.child_by_field_name("name")
            alias = specifier.child_by_field_name("alias") or name
            if name is None or alias is None:
                continue
            local = _export_name(name)
            exports[_export_name(alias)] = (
                Imported(source, (local,)) if source is not None else Ref(local)
            )
    elif source is not None:
        return [source]
    return []


def _common_js(
    statement: tree_sitter.Node, converter: Converter
) -> tuple[str | None, Value] | None:
    """(export name, value) of ``exports.X = …`` / ``module.exports.X = …``, (None, value) of
    ``module.exports = …``."""
    assignment = next(iter(statement.named_children), None)
    if assignment is None or assignment.type != "assignment_expression":
        return None
    left = assignment.child_by_field_name("left")
    right = assignment.child_by_field_name("right")
    for _ in range(8):  # module.exports = exports = {…}: the value at the end of the chain
        if right is None or right.type != "assignment_expression":
            break
        right = right.child_by_field_name("right")
    if left is None or right is None:
        return None
    target = node_text(left).replace(" ", "")
    if target in ("module.exports", "exports"):
        return (None, converter.value(right)) if target == "module.exports" else None
    if left.type not in ("member_expression", "subscript_expression"):
        return None
    owner = left.child_by_field_name("object")
    key = member_key(left)
    if owner is None or key is None:
        return None
    if node_text(owner).replace(" ", "") in ("exports", "module.exports"):
        return key, converter.value(right)
    return None


def _specifier(statement: tree_sitter.Node) -> str | None:
    source = statement.child_by_field_name("source")
    if source is None:
        return None
    known = static_text(source)
    return known.prefix if known.complete else None


def _export_name(node: tree_sitter.Node) -> str:
    """An export or import name: an identifier, or a string (``export { a as 'b-c' }``)."""
    if node.type == "string":
        known = static_text(node)
        return known.prefix
    return node_text(node)
