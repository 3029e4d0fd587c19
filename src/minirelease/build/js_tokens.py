"""The tokens of a JavaScript source in order, from its tree-sitter parse, for the
position-keeping minifier (build/token_minify.py).

A token is a leaf of the tree, except that strings, regular expressions and the literal
parts of template strings are taken whole: their inner whitespace is content. Comments
are tokens too (the minifier drops them but for ``/*! … */`` licences), so the text
between two consecutive tokens is whitespace and nothing else — checked, since the
minifier's correctness rests on it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import tree_sitter
import tree_sitter_javascript

_JAVASCRIPT: Final = tree_sitter.Language(tree_sitter_javascript.language())
# Taken whole: what lies between their children is part of their value.
_ATOMIC: Final = frozenset({"string", "regex", "number", "comment", "html_comment"})
_COMMENTS: Final = frozenset({"comment", "html_comment"})
_LICENCE_COMMENT: Final = b"/*!"
# ECMAScript WhiteSpace and LineTerminator code points, the only text allowed between tokens.
_BLANK: Final = re.compile(
    "[\t\v\f \u00a0\ufeff\u1680\u2000-\u200a\u202f\u205f\u3000\n\r\u2028\u2029]*"
)
_LINE_BREAK_BYTES: Final = (b"\n", b"\r", "\u2028".encode(), "\u2029".encode())
TEMPLATE_PART: Final = "template_part"


class NotTokenizable(Exception):
    """The source cannot be minified token by token; the message says why, for the log."""


@dataclass(frozen=True, slots=True)
class Token:
    start: int  # byte offsets into the source
    end: int
    # The node type: for keywords and punctuators (anonymous nodes) their own text, like
    # "return" or "++"; "identifier", "string", …; TEMPLATE_PART for a template's literal
    # text together with its "`", "${" and "}".
    kind: str
    anonymous: bool
    kept: bool  # False for a comment the minifier drops


def tokens(source: bytes) -> list[Token]:
    """The tokens of ``source`` in order. Raises ``NotTokenizable`` when tree-sitter reports
    a syntax error, or for syntax whose whitespace it does not model (JSX, the ``<!--``
    comments of scripts)."""
    root = tree_sitter.Parser(_JAVASCRIPT).parse(source).root_node
    if root.has_error:
        raise NotTokenizable(f"a syntax error at {_first_error(root, source)}")
    found = list(_walk(root, source))
    for previous, token in itertools.pairwise(found):
        if token.start < previous.end:
            raise NotTokenizable("tokens overlap in the parse")
        gap = source[previous.end : token.start]
        if gap and not _BLANK.fullmatch(gap.decode("utf-8", errors="replace")):
            raise NotTokenizable(f"unparsed text at byte {previous.end}")
    _refuse_html_open_comment(found)
    return found


def has_line_break(source: bytes, start: int, end: int) -> bool:
    """Whether ``source[start:end]`` holds an ECMAScript line terminator."""
    if start == end:
        return False  # most tokens of minified code touch
    gap = source[start:end]
    return any(mark in gap for mark in _LINE_BREAK_BYTES)


def _walk(root: tree_sitter.Node, source: bytes) -> Iterator[Token]:
    # An explicit stack: a hostile file can nest expressions deeper than Python recurses.
    stack: list[tree_sitter.Node | Token] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Token):
            yield item
            continue
        node = item
        if node.start_byte == node.end_byte:
            continue  # nothing in the source (an empty program)
        kind = node.type
        if kind.startswith("jsx_"):
            raise NotTokenizable("JSX, whose text keeps its whitespace")
        if kind in _ATOMIC or node.child_count == 0:
            kept = kind not in _COMMENTS or source.startswith(_LICENCE_COMMENT, node.start_byte)
            yield Token(node.start_byte, node.end_byte, kind, not node.is_named, kept)
        elif kind == "template_string":
            stack.extend(reversed(_template_items(node)))
        else:
            stack.extend(reversed(node.children))


def _template_items(template: tree_sitter.Node) -> list[tree_sitter.Node | Token]:
    """A template string as its literal parts, each taken whole with the ``${`` before and
    the ``}`` after a substitution, and the nodes inside each substitution."""
    items: list[tree_sitter.Node | Token] = []
    part_start = template.start_byte
    for child in template.children:
        if child.type != "template_substitution":
            continue
        opening, *inside, closing = child.children
        items.append(Token(part_start, opening.end_byte, TEMPLATE_PART, False, True))
        items += inside
        part_start = closing.start_byte
    items.append(Token(part_start, template.end_byte, TEMPLATE_PART, False, True))
    return items


def _refuse_html_open_comment(found: list[Token]) -> None:
    # In a script, "<!--" opens a comment to the end of the line (ECMAScript Annex B);
    # tree-sitter reads "<", "!", "--", so the minifier would keep what engines skip.
    for first, second, third in zip(found, found[1:], found[2:], strict=False):
        if (first.kind, second.kind, third.kind) == ("<", "!", "--") and (
            first.end == second.start and second.end == third.start
        ):
            raise NotTokenizable("an HTML-like comment (<!--)")


def _first_error(root: tree_sitter.Node, source: bytes) -> str:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, byte_column = node.start_point
            line_start = node.start_byte - byte_column
            column = len(source[line_start : node.start_byte].decode("utf-8", errors="replace"))
            return f"line {row + 1}, column {column + 1}"
        stack.extend(reversed([child for child in node.children if child.has_error]))
    return "an unknown position"
