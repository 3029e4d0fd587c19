"""Which content coding a response is sent in: the client's ``Accept-Encoding`` (RFC 9110
§12.5.3) against the codings the server offers, in the server's order of preference.

The client lists codings, each with an optional weight ``q`` (0 to 1, at most three
decimals; 0: not acceptable), and ``*`` for any coding it does not list. Names are
case-insensitive, and ``x-gzip`` is ``gzip`` (§8.4.1.3). A member whose weight is malformed
is ignored; a coding listed twice counts at its lower weight.

- No header, or an empty one: no coding (``identity``).
- The highest-weighted acceptable coding wins; among equal weights, the server's order.
- ``identity`` is acceptable unless refused (``identity;q=0``, or ``*;q=0`` with no entry
  for it). Listed (or covered by ``*``), it is weighed like any coding and loses ties;
  unlisted, it is chosen only when no offered coding is acceptable.
- When nothing offered is acceptable, not even identity, the response is sent without a
  coding anyway: the server disregards the field (§12.1) rather than answer 406."""

from __future__ import annotations

import re
from functools import lru_cache

IDENTITY = "identity"
_ALIASES = {"x-gzip": "gzip"}
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
FULL = 1000  # weights are counted in thousandths


def _weight(params: str) -> int | None:
    """The member's weight in thousandths from its parameters; None if malformed."""
    weight = FULL
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            if not _QVALUE.fullmatch(value):
                return None
            weight = round(float(value) * FULL)
    return weight


def weights(header: str) -> dict[str, int]:
    """Each coding the header lists (lower case, aliases resolved), with its weight in
    thousandths."""
    listed: dict[str, int] = {}
    for member in header.split(","):
        name, _, params = member.partition(";")
        coding = name.strip().lower()
        if not coding:
            continue
        weight = _weight(params) if params else FULL
        if weight is None:
            continue
        coding = _ALIASES.get(coding, coding)
        listed[coding] = min(weight, listed.get(coding, FULL))
    return listed


@lru_cache(maxsize=512)
def negotiate(header: str | None, offered: tuple[str, ...]) -> str:
    """The coding to send, one of ``offered`` (the server's preference first) or
    ``IDENTITY``. Clients send the same few headers over and over: the answers are kept."""
    if header is None:
        return IDENTITY
    listed = weights(header)
    anything = listed.get("*")
    best, best_weight = IDENTITY, 0
    for coding in offered:
        weight = listed.get(coding, anything or 0)
        if weight > best_weight:
            best, best_weight = coding, weight
    identity = listed.get(IDENTITY, anything)
    if identity is not None and identity > best_weight:
        return IDENTITY
    return best
