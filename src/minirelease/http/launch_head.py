"""Reading the head of a plain GET request (a launch, a manifest poll) straight from the
received bytes.

Nearly every launch a partner app sends is the same shape: ``GET <prefix>/launch/...``
over HTTP/1.1 with a handful of ordinary headers and no body, and so is nearly every
manifest poll of its backends (``GET <prefix>/partner-apps/...``). For those the lane
(http/wire.py) reads the head here, in a few C-level byte operations, instead of through
the general parser's callbacks, the ASGI scope it builds and the request objects around
it, which cost more than the launch itself.

It is deliberately narrow: anything it does not fully understand is left to the general
parser (httptools), which then parses the same bytes as it always did. It reads a head
only when the whole of it has arrived and all of it is plain:

- the request line is exactly ``GET <path>[?<query>] HTTP/1.1``, the path starting with
  one of the lane's prefixes, without percent-escapes or a fragment, all visible ASCII;
- every header line is ``token ":" value`` in visible ASCII and tabs (no obs-fold, no
  obs-text, no bare CR or LF anywhere);
- exactly one ``Host``; no ``Content-Length``, ``Transfer-Encoding``, ``Upgrade``,
  ``Expect``, ``TE`` or ``Trailer``, and ``Connection`` only as ``keep-alive``: so no body
  can follow and nothing can be read differently by a proxy in front (no smuggling);
- the whole head is within the server's head limit.

Values are trimmed of surrounding spaces and tabs and names lowercased, as uvicorn
gives them to the app."""

from __future__ import annotations

import re
from typing import NamedTuple

# Possessive quantifiers (``*+``): a head that does not match fails in linear time.
_HEAD = re.compile(
    rb"GET (/[^\x00-\x20\x7f-\xff#%?]*+)(?:\?([^\x00-\x20\x7f-\xff#]*+))? HTTP/1\.1\r\n"
    rb"((?:[!#$%&'*+\-.^_`|~0-9A-Za-z]++:[\t\x20-\x7e]*+\r\n)*+)\r\n"
)

# Headers that could announce a body, change the connection or expect an interim answer.
_NOT_PLAIN = frozenset(
    {b"content-length", b"transfer-encoding", b"upgrade", b"expect", b"te", b"trailer"}
)


class PlainGet(NamedTuple):
    path: str
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    size: int  # bytes of the head, the blank line included


def read_plain_get(data: bytes, start: bytes | tuple[bytes, ...], limit: int) -> PlainGet | None:
    """The plain GET head at the start of ``data`` whose request line starts with
    ``start`` (``b"GET /prefix/"``, or any of several) and which ends within ``limit``
    bytes, or None: let the general parser read it."""
    if not data.startswith(start):
        return None
    end = data.find(b"\r\n\r\n", 0, limit)
    if end < 0:
        return None
    match = _HEAD.fullmatch(data, 0, end + 4)
    if match is None:
        return None
    headers = []
    hosts = 0
    for line in match[3].split(b"\r\n")[:-1]:
        name, _, value = line.partition(b":")
        name = name.lower()
        value = value.strip(b" \t")
        if name in _NOT_PLAIN:
            return None
        if name == b"host":
            hosts += 1
        elif name == b"connection" and value.lower() != b"keep-alive":
            return None
        headers.append((name, value))
    if hosts != 1:
        return None
    return PlainGet(match[1].decode("ascii"), match[2] or b"", headers, end + 4)
