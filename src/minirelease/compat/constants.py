"""String constants as symbolic values, so a URL built from them can be read across files.

Per file, an expression becomes a ``Value`` (compat/value_reader.py reads them): literal
text, object literals (config objects), and references left open: ``Ref`` to a name bound
at the file's top level (a constant or an import, resolved by compat/url_links.py once per
run), ``Imported`` for a member of another module and ``AppMember`` for a member of the
App object (``getApp()``). A function is a ``Record`` whose ``CALL`` member is what it
returns. What cannot be known (most calls' results, a parameter) is ``OPAQUE``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from minirelease.compat.syntax import MAX_EXPRESSION_DEPTH, UNKNOWN, StaticText


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Opaque:
    """A value not known without running the code."""


OPAQUE: Final = Opaque()


@dataclass(frozen=True)
class Ref:
    """``name.members…`` where ``name`` is bound at the top level of the same file."""

    name: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Imported:
    """``members…`` of what module ``specifier`` exports (``()``: the module itself)."""

    specifier: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppMember:
    """``members…`` of the App object: what ``App({…})`` in app.js registers, reached by
    ``getApp()`` from any file and by ``this`` in the App's own methods."""

    members: tuple[str, ...] = ()


Part: TypeAlias = Text | Ref | Imported | AppMember | Opaque


@dataclass(frozen=True)
class Concat:
    """A string joined from parts; nothing after an ``OPAQUE`` part is kept, as only the
    known beginning of a URL matters."""

    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Record:
    """An object literal: its members with statically known keys."""

    members: tuple[tuple[str, Value], ...]

    def member(self, key: str) -> Value:
        found: Value = OPAQUE
        for name, value in self.members:  # the last one wins, as in JavaScript
            if name == key:
                found = value
        return found


Value: TypeAlias = Text | Ref | Imported | AppMember | Opaque | Concat | Record

# The member step that stands for calling a function: ``f()`` is ``f`` selected by it (a
# property really named "()" is too odd to tell apart).
CALL: Final = "()"

# Caps that keep hostile files cheap: parts of one string, members of one object.
MAX_PARTS: Final = 32
MAX_MEMBERS: Final = 256


def select(value: Value, key: str) -> Value:
    """``value[key]`` without resolving anything."""
    if isinstance(value, Record):
        return value.member(key)
    if isinstance(value, Ref):
        return Ref(value.name, (*value.members, key))
    if isinstance(value, Imported):
        return Imported(value.specifier, (*value.members, key))
    if isinstance(value, AppMember):
        return AppMember((*value.members, key))
    return OPAQUE


def concat(values: list[Value]) -> Value:
    """The string ``values`` joined: adjacent texts merged, cut at the first unknown part."""
    parts: list[Part] = []
    for value in values:
        pieces = value.parts if isinstance(value, Concat) else (value,)
        for piece in pieces:
            part: Part = OPAQUE if isinstance(piece, Record | Concat) else piece
            if parts and isinstance(part, Text) and isinstance(parts[-1], Text):
                parts[-1] = Text(parts[-1].value + part.value)
            else:
                parts.append(part)
            if isinstance(part, Opaque) or len(parts) >= MAX_PARTS:
                return _joined(parts)
    return _joined(parts)


def _joined(parts: list[Part]) -> Value:
    if len(parts) == 1:
        return parts[0]
    return Concat(tuple(parts)) if parts else Text("")


def from_json(data: object, depth: int = 0) -> Value:
    """A parsed ``.json`` module as a value: its strings and objects."""
    if isinstance(data, str):
        return Text(data)
    if isinstance(data, dict) and depth < MAX_EXPRESSION_DEPTH:
        members = list(data.items())[:MAX_MEMBERS]
        return Record(tuple((str(key), from_json(item, depth + 1)) for key, item in members))
    return OPAQUE


def local_text(value: Value) -> StaticText:
    """What a value shows of its string without looking into other names or files."""
    if isinstance(value, Text):
        return StaticText(value.value, complete=True)
    if not isinstance(value, Concat):
        return UNKNOWN
    known: list[str] = []
    for part in value.parts:
        if not isinstance(part, Text):
            return StaticText("".join(known), complete=False)
        known.append(part.value)
    return StaticText("".join(known), complete=True)
