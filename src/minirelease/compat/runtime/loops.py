"""Loops numbered and counted, so that a start-up cut off by its time budget can name the
loop it was spinning in. Each ``while``/``do``/``for``/``for-in``/``for-of`` loop of the
package gets a number, package-wide, and its body starts with ``__loops.n[number]++;`` (a
typed-array increment: nothing allocated per iteration); loops.js keeps the counts of the
current step. As in asyncwrap.py, no newline is added or removed, so line numbers hold,
and the marker's own line is the loop's line in the package."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final

import tree_sitter

from minirelease.compat.syntax import JAVASCRIPT, parse

# The counters loops.js allocates; loops past them run uncounted (a package that large
# still runs, it only cannot have its loop named).
MAX_LOOPS: Final = 16_384
_LOOPS: Final = frozenset({"while_statement", "do_statement", "for_statement", "for_in_statement"})
_MAY_LOOP: Final = re.compile(r"\b(?:for|while|do)\b")


def _marker(number: int) -> str:
    return f"__loops.n[{number}]++;"


def count_loops(sources: Mapping[str, str]) -> dict[str, str]:
    """``sources`` (path → source) with every loop of its scripts (``.js``) counted,
    numbered in path order; other entries, and a script that does not parse (running it
    then reports the syntax error), are left as they are."""
    counted = dict(sources)
    next_number = 0
    for path in sorted(path for path in sources if path.endswith(".js")):
        counted[path], next_number = _count_in(sources[path], next_number)
    return counted


def loop_site(sources: Mapping[str, str], number: int) -> tuple[str, int] | None:
    """The file and line of loop ``number`` in sources rewritten by ``count_loops``."""
    marker = _marker(number)
    for path, source in sources.items():
        at = source.find(marker)
        if at >= 0:
            return path, source.count("\n", 0, at) + 1
    return None


def _count_in(source: str, first: int) -> tuple[str, int]:
    if first >= MAX_LOOPS or not _MAY_LOOP.search(source):
        return source, first
    data = source.encode("utf-8", errors="surrogatepass")
    tree = parse(JAVASCRIPT, data)
    if tree.root_node.has_error:
        return source, first
    edits: list[tuple[int, bytes]] = []  # (offset, inserted text)
    number = first
    for body in _loop_bodies(tree.root_node):
        if number >= MAX_LOOPS:
            break
        marker = _marker(number).encode()
        number += 1
        if body.type == "statement_block":
            edits.append((body.start_byte + 1, marker))
        else:  # a single statement (or ``;``) becomes a block holding the marker and it
            edits.append((body.start_byte, b"{" + marker))
            edits.append((body.end_byte, b"}"))
    # From the end, so earlier offsets stay valid; texts meeting at one offset are all "}"
    # (loops ending together) or belong to different loops' starts, never both.
    for offset, text in sorted(edits, key=lambda edit: edit[0], reverse=True):
        data = data[:offset] + text + data[offset:]
    return data.decode("utf-8", errors="surrogatepass"), number


def _loop_bodies(root: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Loop bodies in source order, so loops are numbered as they are read."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _LOOPS:
            body = node.child_by_field_name("body")
            if body is not None:
                yield body
        stack.extend(reversed(node.children))
