"""JSON answers over the threshold compressed for clients that accept it (issue 15, item
1): in the coding the client prefers, with Vary, the coded length and a weakened ETag;
small JSON, HTML and downloads, HEAD, 204 and 304, answers coded already or that chose
their coding, and streams too long to hold are left as they are."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.http.compression import CompressJson
from minirelease.http.content_codings import OFFERED
from tests.engines import SHARED_LAB
from tests.http.coded import Sent, asgi_call, get_raw

MIN_BYTES = 1024
MAX_BUFFER = 16 * 1024
BIG = {"items": [{"id": n, "name": f"mini program {n}"} for n in range(200)]}
BIG_BODY = JSONResponse(BIG).body
PROBLEM = "application/problem+json"
CHUNK = b" " * 1000


def _chunks(count: int) -> Callable[[Request], Response]:
    """A JSON stream of ``count`` chunks of CHUNK."""

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield CHUNK

    return lambda _: StreamingResponse(stream(), media_type="application/json")


def _json(body: Any, **headers: str) -> Callable[[Request], Response]:
    return lambda _: JSONResponse(body, headers=headers)


ROUTES = {
    "/big": _json(BIG, etag='"big"'),
    "/small": _json({"status": "ok"}),
    "/problem": lambda _: Response(BIG_BODY, status_code=404, media_type=PROBLEM),
    "/charset": lambda _: Response(BIG_BODY, media_type="application/json; charset=utf-8"),
    "/html": lambda _: HTMLResponse("<p>" * 2000),
    "/zip": lambda _: Response(b"PK" + b"\0" * 5000, media_type="application/zip"),
    "/coded": _json(BIG, **{"content-encoding": "gzip"}),
    "/chose": _json(BIG, vary="Accept-Encoding"),
    "/no-transform": _json(BIG, **{"cache-control": "public, no-transform"}),
    "/vary-origin": _json(BIG, vary="Origin"),
    "/random": lambda _: Response(os.urandom(4000), media_type="application/json"),
    "/no-content": lambda _: Response(status_code=204),
    "/not-modified": lambda _: Response(status_code=304, headers={"etag": '"big"'}),
    "/stream": _chunks(8),  # within MAX_BUFFER
    "/long-stream": _chunks(50),
    "/large": _json({"blob": "x" * 200_000}),  # compressed on a worker thread
}


async def _endpoint(request: Request) -> Response:
    return ROUTES[request.url.path](request)


APP = CompressJson(
    Starlette(routes=[Route(path, _endpoint, methods=["GET", "HEAD"]) for path in ROUTES]),
    min_bytes=MIN_BYTES,
    max_buffer=MAX_BUFFER,
)


def call(path: str, accept: str | None = "gzip, br, zstd", method: str = "GET") -> Sent:
    headers = {} if accept is None else {"Accept-Encoding": accept}
    return asgi_call(APP, path, method=method, **headers)


@pytest.mark.parametrize("coding", OFFERED)
def test_large_json_goes_in_the_coding_asked_for(coding: str) -> None:
    sent = call("/big", coding)
    assert sent.status == 200 and sent.coding == coding
    assert sent.decoded() == BIG_BODY and len(sent.raw) < len(BIG_BODY) // 3
    assert sent.headers["content-length"] == str(len(sent.raw))
    assert sent.headers["vary"] == "Accept-Encoding"
    # Coded per request, the bytes are not the ones the route tagged: the tag is weak.
    assert sent.headers["etag"] == 'W/"big"'
    assert sent.headers["content-type"] == "application/json"


def test_the_preferred_coding_among_equals_is_zstd() -> None:
    assert call("/big").coding == "zstd"
    assert call("/big", "gzip;q=1, br;q=0.8").coding == "gzip"


@pytest.mark.parametrize("accept", [None, "", "identity", "gzip;q=0", "deflate", "*;q=0"])
def test_a_client_that_takes_no_coding_gets_identity_with_vary(accept: str | None) -> None:
    sent = call("/big", accept)
    assert sent.coding is None and sent.raw == BIG_BODY
    assert sent.headers["content-length"] == str(len(BIG_BODY))
    assert sent.headers["vary"] == "Accept-Encoding"
    assert sent.headers["etag"] == '"big"'


def test_problem_answers_and_json_with_a_charset_are_compressed() -> None:
    problem = call("/problem")
    assert problem.status == 404 and problem.coding == "zstd"
    assert problem.decoded() == BIG_BODY and problem.headers["content-type"] == PROBLEM
    charset = call("/charset", "gzip")
    assert charset.coding == "gzip" and charset.decoded() == BIG_BODY


@pytest.mark.parametrize(
    "path", ["/small", "/html", "/zip", "/coded", "/chose", "/no-transform", "/no-content"]
)
def test_what_is_left_as_it_is(path: str) -> None:
    plain = call(path, None)
    sent = call(path)
    assert (sent.status, sent.headers, sent.raw) == (plain.status, plain.headers, plain.raw)
    assert "content-encoding" not in sent.headers or path == "/coded"
    assert "vary" not in sent.headers or path == "/chose"


def test_not_modified_and_head_are_left_as_they_are() -> None:
    not_modified = call("/not-modified")
    assert not_modified.status == 304 and not_modified.raw == b""
    assert "vary" not in not_modified.headers and not_modified.headers["etag"] == '"big"'
    head = call("/big", method="HEAD")  # the server drops the body
    assert head.coding is None and head.raw == BIG_BODY and "vary" not in head.headers
    assert head.headers["content-length"] == str(len(BIG_BODY))


def test_an_existing_vary_is_extended() -> None:
    assert call("/vary-origin").headers["vary"] == "Origin, Accept-Encoding"


def test_a_body_that_coding_would_grow_goes_as_it_is() -> None:
    sent = call("/random")
    assert sent.coding is None and len(sent.raw) == 4000
    assert sent.headers["content-length"] == "4000" and sent.headers["vary"] == "Accept-Encoding"


def test_a_short_stream_is_held_and_compressed_whole() -> None:
    sent = call("/stream", "br")
    assert sent.coding == "br" and sent.decoded() == CHUNK * 8
    assert sent.chunks == 1 and sent.headers["content-length"] == str(len(sent.raw))


def test_a_stream_longer_than_the_buffer_passes_as_it_comes() -> None:
    sent = call("/long-stream")
    assert sent.coding is None and sent.raw == CHUNK * 50
    assert sent.chunks > 1 and "vary" not in sent.headers
    # To a client that takes no coding, nothing is held.
    assert call("/long-stream", None).raw == sent.raw


def test_a_large_body_is_compressed_off_the_event_loop() -> None:
    sent = call("/large", "gzip")
    assert sent.coding == "gzip" and json.loads(sent.decoded()) == {"blob": "x" * 200_000}


def test_the_app_compresses_large_json_only(client: TestClient) -> None:
    openapi = get_raw(client, "/openapi.json", **{"Accept-Encoding": "gzip"})
    assert openapi.coding == "gzip" and json.loads(openapi.decoded())["openapi"]
    assert openapi.headers["vary"] == "Accept-Encoding"
    assert openapi.headers["x-content-type-options"] == "nosniff"  # outside, as ever
    identity = get_raw(client, "/openapi.json")
    assert identity.coding is None and identity.raw == openapi.decoded()
    assert int(identity.headers["content-length"]) > MIN_BYTES
    # Small JSON (a launch's answer is a few hundred bytes) and HTML pages go as they are.
    for url in ("/healthz", "/api/v1/launch/nowhere/nothing", "/login"):
        small = get_raw(client, url, **{"Accept-Encoding": "gzip, br, zstd"})
        assert small.coding is None and "vary" not in small.headers, url


def test_the_threshold_is_a_setting(settings: Settings, session_factory: sessionmaker[Any]) -> None:
    assert settings.compress_min_bytes == MIN_BYTES  # the default
    higher = settings.model_copy(update={"compress_min_bytes": 10**9})
    app = create_app(higher, session_factory=session_factory, run_jobs=False, lab=SHARED_LAB)
    with TestClient(app) as client:
        sent = get_raw(client, "/openapi.json", **{"Accept-Encoding": "gzip"})
    assert sent.coding is None and "vary" not in sent.headers


def test_accept_encoding_over_several_lines_is_one_list() -> None:
    lines = (("Accept-Encoding", "gzip;q=0.5"), ("Accept-Encoding", "br"))
    assert asgi_call(APP, "/big", lines=lines).coding == "br"
