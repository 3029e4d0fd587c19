"""The launch lane's own reading of a plain launch head (http/launch_head.py): it reads
exactly what httptools and uvicorn would give the app, and leaves every head that is not
plain to them (no body can follow one it reads, nothing is read differently)."""

from __future__ import annotations

import httptools
import pytest

from minirelease.http.launch_head import PlainGet, read_plain_get

START = b"GET /api/v1/launch/"
LIMIT = 16 * 1024


def head(*lines: str, target: str = "/api/v1/launch/wallet/2021?user_id=u1") -> bytes:
    return "\r\n".join([f"GET {target} HTTP/1.1", "Host: h.test", *lines, "", ""]).encode()


class _Uvicorn:
    """What uvicorn's httptools protocol hands the app for one request."""

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value.rstrip(b" \t")))

    def on_message_complete(self) -> None:
        self.complete = True


def parsed_by_httptools(data: bytes) -> tuple[str, bytes, list[tuple[bytes, bytes]]]:
    request = _Uvicorn()
    parser = httptools.HttpRequestParser(request)
    parser.feed_data(data)
    assert request.complete and parser.get_method() == b"GET"
    url = httptools.parse_url(request.url)
    return url.path.decode("ascii"), url.query or b"", request.headers


@pytest.mark.parametrize(
    "data",
    [
        head(),
        head(target="/api/v1/launch/wallet/2021"),
        head(target="/api/v1/launch/wallet/2021?"),
        head("X-Request-ID: trace-1", "Authorization: Bearer mr_x", "Accept: */*"),
        head("Connection: keep-alive", "User-Agent:  spaced\t "),
        head("Empty:", "x-lower-case: v", "ACCEPT-language: en;q=0.9, *"),
        head(target="/api/v1/launch/wallet/2021?user_id=a&b=c;d=e+f"),
    ],
)
def test_a_plain_head_reads_as_httptools_and_uvicorn_read_it(data: bytes) -> None:
    read = read_plain_get(data + b"GET /next", START, LIMIT)
    assert read is not None
    assert read.size == len(data)
    assert (read.path, read.query_string, read.headers) == parsed_by_httptools(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(head(target="/api/v1/launch/wallet/20%32"), id="percent-escape"),
        pytest.param(head(target="/api/v1/launch/w?u=1#frag"), id="fragment"),
        pytest.param(head(target="/api/v1/other/w/a"), id="another path"),
        pytest.param(head().replace(b"HTTP/1.1", b"HTTP/1.0"), id="HTTP/1.0"),
        pytest.param(head().replace(b"GET ", b"HEAD ", 1), id="HEAD"),
        pytest.param(head("X-Folded: a", " b"), id="obs-fold"),
        pytest.param(head("X-Bare: a\nb"), id="bare LF"),
        pytest.param(head("X-Bare: a\rb"), id="bare CR"),
        pytest.param(head("X-Text: caf\u00e9"), id="obs-text"),
        pytest.param(head("X-Space : a"), id="space before colon"),
        pytest.param(head("Content-Length: 0"), id="content-length"),
        pytest.param(head("Transfer-Encoding: chunked"), id="transfer-encoding"),
        pytest.param(head("Connection: close"), id="connection close"),
        pytest.param(head("Connection: Upgrade", "Upgrade: websocket"), id="upgrade"),
        pytest.param(head("Expect: 100-continue"), id="expect"),
        pytest.param(head("Host: other.test"), id="two hosts"),
        pytest.param(head().replace(b"Host: h.test\r\n", b""), id="no host"),
        pytest.param(head()[:-2], id="incomplete"),
        pytest.param(head("X-Big: " + "a" * LIMIT), id="over the limit"),
        pytest.param(b"\r\n" + head(), id="leading blank line"),
    ],
)
def test_anything_else_is_left_to_the_general_parser(data: bytes) -> None:
    assert read_plain_get(data, START, LIMIT) is None


def test_a_head_ending_exactly_at_the_limit_is_read() -> None:
    data = head("X-Pad: ")
    padded = head("X-Pad: " + "a" * (LIMIT - len(data)))
    assert len(padded) == LIMIT
    assert read_plain_get(padded, START, LIMIT) is not None
    assert read_plain_get(padded, START, LIMIT - 1) is None


def test_a_pipeline_is_read_one_head_at_a_time() -> None:
    first, second = head("X-Request-ID: 1"), head("X-Request-ID: 2")
    read = read_plain_get(first + second, START, LIMIT)
    assert isinstance(read, PlainGet) and read.size == len(first)
    rest = (first + second)[read.size :]
    assert read_plain_get(rest, START, LIMIT) == read._replace(
        headers=[(b"host", b"h.test"), (b"x-request-id", b"2")]
    )


def test_a_long_hostile_head_is_refused_in_linear_time() -> None:
    """Possessive matching: a head crafted to make a backtracking pattern explode is
    refused at once (this test would hang otherwise)."""
    hostile = head("X-A: " + " \t" * 7000 + "\x01")
    assert read_plain_get(hostile, START, LIMIT * 2) is None
