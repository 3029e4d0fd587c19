"""Answers whose bytes are made once and kept (a signed manifest, once per serial), sent in
the content coding the client prefers (http/accept_encoding.py) from bodies compressed
once per coding (http/content_codings.CodedBodies), never per request.

Each coding is its own representation with its own entity tag (the kept tag with the
coding's suffix, as strong as it), so ``If-None-Match`` is compared with the tag of the
coding this request would get, and a 304 carries that tag. Every answer, 304 included,
says ``Vary: Accept-Encoding``, so a cache keeps one copy per coding; which also tells the
JSON compression middleware (http/compression.py) to leave the answer alone. Bodies under
``MINIRELEASE_COMPRESS_MIN_BYTES`` are sent as they are.

``coded_answer`` decides and renders the answer from the request's raw headers; routes
send it as a ``SentAnswer``, and the manifest lane (api/manifest_lane.py) writes the same
status, headers and body in front of the stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from fastapi import Response

from minirelease.http.accept_encoding import IDENTITY, negotiate
from minirelease.http.content_codings import OFFERED, CodedBodies, coded_etag
from minirelease.http.security_headers import Header

_JSON: Header = (b"content-type", b"application/json")
_VARY: Header = (b"vary", b"Accept-Encoding")


class Answer(NamedTuple):
    """An answer as written: ``coded_answer``'s (200 or 304), or a launch's."""

    status: int
    headers: list[Header]  # without the security headers and request id the stack adds
    body: bytes


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: a list of tags or "*", compared weakly."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def coded_answer(
    request_headers: list[Header],
    coded: CodedBodies,
    etag: str,
    headers: Sequence[Header],
    min_bytes: int,
    *,
    made_only: bool = False,
) -> Answer | None:
    """200 with ``coded`` in the chosen coding (``application/json``), or 304; ``headers``
    (e.g. Cache-Control) on both. ``request_headers`` as ASGI gives them (lower-case names).
    ``made_only``: None rather than compress a body not compressed yet (which the caller
    must not wait for)."""
    coding = IDENTITY
    if_none_match: bytes | None = None
    accepted: list[bytes] = []
    for name, value in request_headers:
        if name == b"accept-encoding":
            accepted.append(value)
        elif name == b"if-none-match" and if_none_match is None:
            if_none_match = value
    if len(coded.identity) >= min_bytes:
        # One list, however many lines.
        coding = negotiate(b", ".join(accepted).decode("latin-1") if accepted else None, OFFERED)
    tag = coded_etag(etag, coding)
    answer = [*headers, (b"etag", tag.encode("latin-1")), _VARY]
    if if_none_match is not None and etag_matches(if_none_match.decode("latin-1"), tag):
        return Answer(304, answer, b"")
    if coding != IDENTITY:
        if made_only and not coded.made[coding]:
            return None
        answer.append((b"content-encoding", coding.encode("ascii")))
    body = coded.get(coding)
    answer += [(b"content-length", str(len(body)).encode("ascii")), _JSON]
    return Answer(200, answer, body)


class SentAnswer(Response):
    """A route's ``Answer``, sent as it is (status, headers and body given whole)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(status_code=answer.status)
        self.body = answer.body
        self.raw_headers = answer.headers
