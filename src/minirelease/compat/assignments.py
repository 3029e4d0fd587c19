"""Which names and members a file assigns, read once from its text: what keeps a ``let`` or
``var`` (or a config object's member) from being a constant. Textual and cheap, it errs
towards "assigned" (a constant missed costs a URL left unread, never a false finding)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

_OPERATOR: Final = rb"(?:[-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=(?![=>])"
_NAME: Final = rb"[A-Za-z_$][\w$]*"
_ASSIGNED: Final = re.compile(rb"(?<![\w$.])(" + _NAME + rb")\s{0,64}" + _OPERATOR)
_UPDATED: Final = re.compile(
    rb"(?:\+\+|--)\s{0,64}(" + _NAME + rb")|(?<![\w$.])(" + _NAME + rb")\s{0,64}(?:\+\+|--)"
)
# ``config.host = …`` and ``config.api.base += …`` (the first member counts); the scan to
# the ``=`` is bounded so that a hostile line cannot make it quadratic.
_MEMBER_ASSIGNED: Final = re.compile(
    rb"(?<![\w$.])(" + _NAME + rb")\s*\.\s*(" + _NAME + rb")[^=;,)\n!<>]{0,200}?" + _OPERATOR
)
_MERGED_INTO: Final = re.compile(rb"Object\.assign\(\s*(" + _NAME + rb")\s*,")


class Assignments:
    def __init__(self, source: bytes) -> None:
        self._source = source
        self._names: Counter[str] | None = None
        self._members: dict[str, set[str]] = {}
        self._merged: set[str] = set()

    def reassigned(self, name: str) -> bool:
        """Whether ``name`` is assigned more than by its declaration's ``=``."""
        return self._counts()[name] > 1

    def assigned_members(self, name: str) -> set[str] | None:
        """Members of ``name`` the file assigns; None when it merges into the whole object."""
        self._counts()
        return None if name in self._merged else self._members.get(name, set())

    def _counts(self) -> Counter[str]:
        if self._names is None:
            names: Counter[str] = Counter()
            for match in _ASSIGNED.finditer(self._source):
                names[_text(match.group(1))] += 1
            for match in _UPDATED.finditer(self._source):
                names[_text(match.group(1) or match.group(2))] += 2
            for match in _MEMBER_ASSIGNED.finditer(self._source):
                owner = self._members.setdefault(_text(match.group(1)), set())
                owner.add(_text(match.group(2)))
            self._merged = {_text(m.group(1)) for m in _MERGED_INTO.finditer(self._source)}
            self._names = names
        return self._names


def _text(name: bytes) -> str:
    return name.decode("ascii", errors="replace")
