"""A JavaScript minifier that knows where each output token came from, for source maps.

It re-emits the tokens of the parse (build/js_tokens.py) with the least whitespace that
keeps their meaning: a space only where two tokens would run together, and a line break
only where the original had one and automatic semicolon insertion (ASI) could depend on
it. Comments go, but for ``/*! … */`` licences. Names are kept (nothing is renamed), so
every token maps to its own start in the original."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from minirelease.build.js_tokens import (
    TEMPLATE_PART,
    NotTokenizable,
    Token,
    has_line_break,
    tokens,
)
from minirelease.build.sourcemap import Segment


def _spaced(words: str) -> frozenset[str]:
    return frozenset(words.split())


_LINE_BREAK: Final = re.compile("\r\n|[\n\r\u2028\u2029]")
# After these, a line break never ends a statement: what follows must continue it.
_CONTINUES_AFTER: Final = _spaced(
    "{ ( [ , ; : ? ?. . ... => ! ~ + - * / % ** & | ^ && || ?? < > <= >= << >> >>> "
    "== != === !== = += -= *= /= %= **= &= |= ^= &&= ||= ??= <<= >>= >>>="
)
# Before these, a line break never ends a statement: they cannot start one. Left out on
# purpose: "+ - / ( [ `" and "++ --", which can start an expression; "*", which can start
# a generator method after a class field with no initializer; "=>", which a line break
# must not precede.
# The "[no LineTerminator here]" rules (return x, a++, yield x, async function) need no
# rule of their own: their line break sits after a token not in _CONTINUES_AFTER and
# before one not in _CONTINUES_BEFORE, so it stays.
_CONTINUES_BEFORE: Final = _spaced(
    ") ] } , ; : ? ?. . % ** & | ^ && || ?? < > <= >= << >> >>> in instanceof "
    "== != === !== = += -= *= /= %= **= &= |= ^= &&= ||= ??= <<= >>= >>>="
)


@dataclass(frozen=True)
class MinifiedWithMap:
    code: str
    segments: list[Segment]  # in generated order, one at the start of each token


def minify_with_positions(source: bytes) -> MinifiedWithMap:
    """Minify UTF-8 JavaScript ``source`` (without a byte order mark). Raises
    ``NotTokenizable`` when it cannot be done token by token (see ``js_tokens.tokens``)."""
    kept = [token for token in tokens(source) if token.kept]
    pieces: list[str] = []
    segments: list[Segment] = []
    original, generated = _SourceCursor(source), _TextCursor()
    previous: Token | None = None
    previous_text = ""
    for token in kept:
        text = source[token.start : token.end].decode("utf-8")
        if previous is not None:
            line_break = has_line_break(source, previous.end, token.start)
            separator = _separator(previous, previous_text, token, text, line_break=line_break)
            pieces.append(separator)
            generated.advance(separator)
        line, column = original.at(token.start)
        segments.append(Segment(generated.line, generated.column, line, column))
        # A token over several lines (a template, a continued string) is copied as is:
        # each of its later lines starts where the same line of the original starts.
        breaks = len(_LINE_BREAK.findall(text))
        segments += [Segment(generated.line + n, 0, line + n, 0) for n in range(1, breaks + 1)]
        pieces.append(text)
        generated.advance(text)
        previous, previous_text = token, text
    code = "".join(pieces)
    _check_same_tokens(source, kept, code)
    return MinifiedWithMap(code, segments)


def _separator(
    previous: Token, previous_text: str, token: Token, text: str, *, line_break: bool
) -> str:
    if line_break and _keeps_line_break(previous, previous_text, token, text):
        return "\n"
    return " " if _would_merge(previous, previous_text, token, text) else ""


def _keeps_line_break(previous: Token, previous_text: str, token: Token, text: str) -> bool:
    continues_after = (previous.anonymous and previous.kind in _CONTINUES_AFTER) or (
        previous.kind == TEMPLATE_PART and previous_text.endswith("${")
    )
    continues_before = (token.anonymous and token.kind in _CONTINUES_BEFORE) or (
        token.kind == TEMPLATE_PART and text.startswith("}")
    )
    return not (continues_after or continues_before)


def _would_merge(previous: Token, previous_text: str, token: Token, text: str) -> bool:
    """Whether the two tokens written side by side would read as other tokens."""
    last, first = previous_text[-1], text[0]
    if _is_word(last) and _is_word(first):
        return True  # "var x", "return x", "1 in x"
    if last in "+-" and first == last:
        return True  # "a + +b" is not "a++b", "a - -b" not "a--b"
    if last == "/" and first in "/*":
        return True  # "a / /re/" is not a comment
    if previous.kind == "regex" and _is_word(first):
        return True  # "/re/ in x": "in" would read as flags
    if previous.kind == "number" and first == ".":
        return True  # "1 .toString()": "1." would read as a number
    return last == "<" and first == "!"  # "a < !--b" would open a comment


def _is_word(char: str) -> bool:
    return char.isalnum() or char in "_$\\#" or ord(char) > 0x7F


def _check_same_tokens(source: bytes, kept: list[Token], code: str) -> None:
    # A guard for this module's rules: the output must read as the very same tokens.
    minified = code.encode()
    again = [token for token in tokens(minified) if token.kept]
    if [minified[t.start : t.end] for t in again] != [source[t.start : t.end] for t in kept]:
        raise NotTokenizable("the minified code would not read as the same tokens")


class _TextCursor:
    """The 0-based line and UTF-16 column at the end of the text read so far."""

    def __init__(self) -> None:
        self.line = 0
        self.column = 0

    def advance(self, text: str) -> None:
        lines = _LINE_BREAK.split(text)
        if len(lines) > 1:
            self.line += len(lines) - 1
            self.column = 0
        self.column += _utf16_length(lines[-1])


class _SourceCursor:
    """Lines and UTF-16 columns of byte offsets into a source, asked in increasing order,
    so a file is decoded once however long its lines (a vendored library is one line)."""

    def __init__(self, source: bytes) -> None:
        self._source = source
        self._offset = 0
        self._text = _TextCursor()

    def at(self, offset: int) -> tuple[int, int]:
        self._text.advance(self._source[self._offset : offset].decode("utf-8"))
        self._offset = offset
        return self._text.line, self._text.column


def _utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)  # surrogate pairs
