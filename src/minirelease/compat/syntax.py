"""What the JS and AXML fact extractors share: the tree-sitter grammars, source positions
as people count them, and the statically known text of a string-valued expression."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import tree_sitter
import tree_sitter_html
import tree_sitter_javascript

JAVASCRIPT: Final = tree_sitter.Language(tree_sitter_javascript.language())
# AXML is XML-like markup; the HTML grammar parses it with element and attribute positions.
MARKUP: Final = tree_sitter.Language(tree_sitter_html.language())

UTF8_BOM: Final = b"\xef\xbb\xbf"
# A hostile file can nest expressions thousands deep; past this depth a string expression
# or a member chain is treated as unknown (no known URL, no my.* name) instead of
# recursing on.
MAX_EXPRESSION_DEPTH: Final = 64
# The nodes that open a function's own scope (declarations, expressions, arrows, methods).
FUNCTION_NODES: Final = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function",
        "generator_function_declaration",
    }
)


def parse(language: tree_sitter.Language, source: bytes) -> tree_sitter.Tree:
    # A parser per call: parsers are cheap, and runs may parse on several threads at once.
    return tree_sitter.Parser(language).parse(source)


def without_bom(source: bytes) -> bytes:
    return source.removeprefix(UTF8_BOM)


class Positions:
    """1-based (line, column) of nodes in one source, the column counting characters rather
    than the bytes tree-sitter counts. Minified code is one long line holding thousands of
    calls, so columns come from running counts of UTF-8 continuation bytes kept every
    ``_STEP`` bytes, not from decoding the line again for each node."""

    _STEP: Final = 1024

    def __init__(self, source: bytes) -> None:
        self._source = source
        self._ascii = source.isascii()
        self._checkpoints: list[int] = []

    def of(self, node: tree_sitter.Node) -> tuple[int, int]:
        row, byte_column = node.start_point
        if self._ascii:
            return row + 1, byte_column + 1
        line_start = node.start_byte - byte_column
        continuations = self._before(node.start_byte) - self._before(line_start)
        return row + 1, byte_column - continuations + 1

    def _before(self, offset: int) -> int:
        """Continuation bytes in ``source[:offset]``: the bytes that add no character."""
        if not self._checkpoints:
            running, counts = 0, [0]
            for start in range(0, len(self._source), self._STEP):
                running += _continuations(self._source[start : start + self._STEP])
                counts.append(running)
            self._checkpoints = counts
        block = offset // self._STEP
        return self._checkpoints[block] + _continuations(self._source[block * self._STEP : offset])


_NOT_CONTINUATION: Final = bytes(b for b in range(256) if not 0x80 <= b <= 0xBF)


def _continuations(chunk: bytes) -> int:
    return len(chunk.translate(None, _NOT_CONTINUATION))


def node_text(node: tree_sitter.Node) -> str:
    text = node.text
    return "" if text is None else text.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class StaticText:
    """The part of a string value known without running the code: all of it for a literal
    (``complete``), the text before the first substitution for a template string."""

    prefix: str
    complete: bool

    def concat(self, other: StaticText) -> StaticText:
        if not self.complete:
            return self
        return StaticText(self.prefix + other.prefix, other.complete)


UNKNOWN: Final = StaticText("", complete=False)

_SIMPLE_ESCAPES: Final = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
}
_HEX_ESCAPE: Final = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\})"
)


def unescape(sequence: str) -> str:
    """What a JS string escape (``\\n``, ``\\x41``, ``\\u{1F600}``) stands for."""
    match = _HEX_ESCAPE.fullmatch(sequence)
    if match is not None:
        code = int(next(group for group in match.groups() if group is not None), 16)
        return chr(code) if code <= 0x10FFFF else ""
    body = sequence[1:]
    if body.startswith(("\n", "\r", "\u2028", "\u2029")):
        return ""  # a line continuation
    return _SIMPLE_ESCAPES.get(body, body)


def _literal_parts(node: tree_sitter.Node) -> StaticText:
    """String or template string: fragments and escapes up to the first substitution."""
    parts: list[str] = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(node_text(child))
        elif child.type == "escape_sequence":
            parts.append(unescape(node_text(child)))
        elif child.type == "template_substitution":
            return StaticText("".join(parts), complete=False)
    return StaticText("".join(parts), complete=True)


def static_text(node: tree_sitter.Node, depth: int = 0) -> StaticText:
    """What is known of a JS expression's string value: literals, template strings, ``+``
    concatenations starting with a literal, parentheses."""
    if depth > MAX_EXPRESSION_DEPTH:
        return UNKNOWN
    if node.type in ("string", "template_string"):
        return _literal_parts(node)
    if node.type == "parenthesized_expression":
        inner = [child for child in node.named_children if child.type != "comment"]
        return static_text(inner[0], depth + 1) if len(inner) == 1 else UNKNOWN
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if operator is None or operator.type != "+" or left is None or right is None:
            return UNKNOWN
        known = static_text(left, depth + 1)
        return known.concat(static_text(right, depth + 1)) if known.complete else known
    return UNKNOWN


_MUSTACHE: Final = re.compile(rb"\{\{.*?\}\}", re.DOTALL)


def blank_mustaches(source: bytes) -> bytes:
    """AXML with the inside of every ``{{ }}`` replaced by spaces (newlines kept), so a
    ``<`` in an expression does not read as a tag and every offset stays where it was."""

    def blank(match: re.Match[bytes]) -> bytes:
        inner = match.group()[2:-2]
        return b"{{" + bytes(b if b == 0x0A else 0x20 for b in inner) + b"}}"

    return _MUSTACHE.sub(blank, source)


def mustache_text(value: str) -> StaticText:
    """An AXML attribute value: known up to its first ``{{``."""
    static, brace, _ = value.partition("{{")
    return StaticText(static, complete=not brace)
