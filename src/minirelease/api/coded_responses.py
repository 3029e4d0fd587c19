"""Answers whose bytes are made once and kept (a signed manifest, once per serial), sent in
the content coding the client prefers (http/accept_encoding.py) from bodies compressed
once per coding (http/content_codings.CodedBodies), never per request.

Each coding is its own representation with its own entity tag (the kept tag with the
coding's suffix, as strong as it), so ``If-None-Match`` is compared with the tag of the
coding this request would get, and a 304 carries that tag. Every answer, 304 included,
says ``Vary: Accept-Encoding``, so a cache keeps one copy per coding; which also tells the
JSON compression middleware (http/compression.py) to leave the answer alone. Bodies under
``MINIRELEASE_COMPRESS_MIN_BYTES`` are sent as they are."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request, Response

from minirelease.http.accept_encoding import IDENTITY, negotiate
from minirelease.http.content_codings import OFFERED, CodedBodies, coded_etag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: a list of tags or "*", compared weakly."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def coded_response(
    request: Request, coded: CodedBodies, etag: str, headers: Mapping[str, str]
) -> Response:
    """200 with ``coded`` in the chosen coding (``application/json``), or 304; ``headers``
    (e.g. Cache-Control) on both."""
    coding = IDENTITY
    if len(coded.identity) >= request.app.state.settings.compress_min_bytes:
        lines = request.headers.getlist("accept-encoding")  # one list, however many lines
        coding = negotiate(", ".join(lines) if lines else None, OFFERED)
    tag = coded_etag(etag, coding)
    answer = {**headers, "ETag": tag, "Vary": "Accept-Encoding"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and etag_matches(if_none_match, tag):
        return Response(status_code=304, headers=answer)
    if coding != IDENTITY:
        answer["Content-Encoding"] = coding
    return Response(content=coded.get(coding), media_type="application/json", headers=answer)
