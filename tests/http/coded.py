"""Answers read as sent, before any decoding: through the test client with the headers
given (and no Accept-Encoding unless given), or straight through an ASGI app."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

import anyio
import brotli  # type: ignore[import-untyped]
import zstandard
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message

DECODERS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": zstandard.ZstdDecompressor().decompress,
}


@dataclass
class Sent:
    status: int
    headers: dict[str, str]  # lower-case names
    raw: bytes  # the body as sent
    chunks: int = 1

    @property
    def coding(self) -> str | None:
        return self.headers.get("content-encoding")

    def decoded(self) -> bytes:
        return self.raw if self.coding is None else bytes(DECODERS[self.coding](self.raw))


def get_raw(client: TestClient, url: str, **headers: str) -> Sent:
    """GET ``url`` with exactly these headers (Accept-Encoding only if among them)."""
    request = client.build_request("GET", url, headers=headers)
    if "Accept-Encoding" not in headers:
        del request.headers["accept-encoding"]  # the client's default
    response = client.send(request, stream=True)
    try:
        raw = b"".join(response.iter_raw())
    finally:
        response.close()
    return Sent(response.status_code, dict(response.headers), raw)


def asgi_call(
    app: ASGIApp,
    path: str,
    *,
    method: str = "GET",
    lines: tuple[tuple[str, str], ...] = (),
    **headers: str,
) -> Sent:
    """One request straight to ``app``, without a client's defaults; ``path`` may end in a
    query; ``lines``: more header lines, names repeated as they may be."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (*headers.items(), *lines)],
    }
    sent: list[Message] = []
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if requested:  # the client stays connected (streaming answers listen for it)
            await anyio.sleep_forever()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    start = sent[0]
    names = {k.decode(): v.decode() for k, v in start["headers"]}
    assert len(names) == len(start["headers"]), "a header sent twice"
    bodies = [m for m in sent[1:] if m["type"] == "http.response.body"]
    raw = b"".join(m.get("body", b"") for m in bodies)
    return Sent(start["status"], names, raw, len(bodies))
