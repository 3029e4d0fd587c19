"""Hostile variations of a valid request: broken and mistyped JSON, hostile values in every
field, wrong content types, broken multipart and icon bodies, odd path ids and query
values. Each is an ``Attack``: a request ready to send, with what it means to send it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.api.calls import BOUNDARY, NO_JSON, Call, Endpoint, multipart
from tests.api.scenario import NEW_PACKAGE
from tests.miniprograms.images import png

HUGE = "x" * 100_000
# Values to put wherever a value goes: every JSON type, extremes, control and odd characters.
HOSTILE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**30,
    -(10**30),
    1.5,
    1e308,
    "",
    HUGE,
    "\x00",
    "nul\x00inside",
    "\u202eünïcödé 😀\u2028",
    [],
    ["x"] * 1000,
    {},
    {"nested": {"deeper": [1, {"x": None}]}},
]
# Texts json.dumps cannot produce: literals Python's parser accepts, a lone surrogate.
HOSTILE_LITERALS = ["NaN", "-Infinity", '"\\ud800"', '"\\udfff tail"']
MALFORMED_JSON = [
    b"{",
    b'{"name": ',
    b'{"a": 1,}',
    b"{'a': 1}",
    b"\xff\xfe\x00{",  # not UTF-8
    b"\x00",
    b"[" * 100_000,  # deeper than any parser's recursion limit
    b'{"a":' * 50_000,
]
PATH_VALUES = [
    "does-not-exist",
    "x" * 5000,
    "%00",
    "nul%00inside",
    "%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "%2F",
    "%FF%FE",  # not UTF-8 once decoded
    "%C3%BC%F0%9F%98%80",  # ü😀
    "%E2%80%AE",  # right-to-left override
    "a%20b",
    "%27%3B%20DROP%20TABLE%20users%3B--",
    "-1",
    "1" * 40,
]
# 10 KB: longer than any id, within what an HTTP client will send in a URL.
QUERY_VALUES = ["abc", "-1", "0", str(10**30), "1.5", "\x00", "%00", "x" * 10_000, "ü😀", ""]


@dataclass(frozen=True)
class Attack:
    what: str
    method: str
    url: str
    content: bytes | None = None
    content_type: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    # Whether the request must be refused (a malformed body can never be a valid one).
    must_refuse: bool = False


def attacks(endpoint: Endpoint, call: Call, query_params: list[str]) -> Iterator[Attack]:
    url = endpoint.url(call)
    if call.json is not NO_JSON:
        yield from _json_body_attacks(endpoint.method, url, call.json)
    elif call.content_type is not None and call.content_type.startswith("multipart/"):
        yield from _upload_attacks(endpoint.method, url)
    elif call.content is not None:
        yield from _raw_body_attacks(endpoint.method, url)
    else:
        yield from _unexpected_body_attacks(endpoint.method, url)
    yield from _path_attacks(endpoint, call)
    yield from _query_attacks(endpoint, call, query_params)


def _json_body_attacks(method: str, url: str, valid: Any) -> Iterator[Attack]:
    def send(what: str, content: bytes, content_type: str = "application/json") -> Attack:
        return Attack(what, method, url, content, content_type, must_refuse=True)

    def value(what: str, body: Any) -> Attack:
        return Attack(what, method, url, json.dumps(body).encode(), "application/json")

    text = json.dumps(valid).encode()
    for raw in MALFORMED_JSON:
        yield send(f"malformed JSON {raw[:20]!r}", raw)
    yield send("empty body", b"")
    for wrong in ([], [valid], "text", None, 42, True):
        yield send(f"JSON {type(wrong).__name__} instead of an object", json.dumps(wrong).encode())
    for literal in HOSTILE_LITERALS:
        yield send(f"JSON {literal} instead of an object", literal.encode())
    yield send("an unknown field", json.dumps({**valid, "unknown_field": 1}).encode())
    yield send("valid JSON as text/plain", text, "text/plain")
    yield send("valid JSON as form data", text, "application/x-www-form-urlencoded")
    body, content_type = multipart({"payload": text.decode()}, {})
    yield send("multipart instead of JSON", body, content_type)
    yield value("an empty object", {})
    yield Attack("JSON without a content type", method, url, text)
    for path in _paths(valid):
        for hostile in HOSTILE_VALUES:
            yield value(f"{_label(path)} = {_short(hostile)}", _replace(valid, path, hostile))
        for literal in HOSTILE_LITERALS:
            marker = "__hostile_literal__"
            spliced = json.dumps(_replace(valid, path, marker)).replace(f'"{marker}"', literal)
            yield Attack(
                f"{_label(path)} = {literal}", method, url, spliced.encode(), "application/json"
            )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where a value can be replaced: every key of every object, the first item of lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        yield (*prefix, 0)
        yield from _paths(value[0], (*prefix, 0))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    return [_replace(value[0], rest, new), *value[1:]]


def _label(path: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in path)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _upload_attacks(method: str, url: str) -> Iterator[Attack]:
    def send(what: str, content: bytes, content_type: str | None) -> Attack:
        return Attack(what, method, url, content, content_type, must_refuse=True)

    def form(what: str, fields: dict[str, str], files: dict[str, bytes]) -> Attack:
        return send(what, *multipart(fields, files))

    def value(what: str, fields: dict[str, str]) -> Attack:
        return Attack(what, method, url, *multipart(fields, {"package": NEW_PACKAGE}))

    good = {"version": "3.0.0", "description": "hostile"}
    form_type = f"multipart/form-data; boundary={BOUNDARY}"
    valid_body, _ = multipart(good, {"package": NEW_PACKAGE})
    yield send("empty body", b"", form_type)
    yield send("JSON instead of multipart", json.dumps(good).encode(), "application/json")
    yield send("multipart as text/plain", valid_body, "text/plain")
    yield send("multipart without a boundary", valid_body, "multipart/form-data")
    yield send("multipart with another boundary", valid_body, "multipart/form-data; boundary=zz")
    yield send("multipart cut short", valid_body[: len(valid_body) // 2], form_type)
    yield send("multipart without its closing boundary", valid_body[:-30], form_type)
    yield send("garbage", b"\x00\xff" * 1000, form_type)
    yield send("no content type", valid_body, None)
    yield form("no package", good, {})
    yield form("no version", {"description": "x"}, {"package": NEW_PACKAGE})
    yield form("the package as text", {**good, "package": "not a file"}, {})
    yield form("the package not a zip", good, {"package": b"PK\x03\x04 not really"})
    yield form("an empty package", good, {"package": b""})
    yield form("an unknown field", {**good, "unknown": "1"}, {"package": NEW_PACKAGE})
    for field in ("version", "description"):
        for hostile in ("", HUGE, "\x00", "1.0.0\x00", "ü😀\u202e", "-1", str(10**30)):
            yield value(f"{field} = {_short(hostile)}", {**good, field: hostile})
    odd_name = valid_body.replace(b'filename="package.zip"', b'filename="../../\x00\xff.zip"')
    yield send("an odd file name", odd_name, form_type)


def _raw_body_attacks(method: str, url: str) -> Iterator[Attack]:
    def send(what: str, content: bytes, content_type: str | None) -> Attack:
        return Attack(what, method, url, content, content_type, must_refuse=True)

    image = png()
    header_claims_huge = image[:16] + (2**31).to_bytes(4, "big") * 2 + image[24:]
    yield send("empty body", b"", "image/png")
    yield send("garbage as a PNG", b"\x00\xff" * 1000, "image/png")
    yield send("a PNG cut short", image[:30], "image/png")
    yield send("a PNG claiming 2^31 pixels", header_claims_huge, "image/png")
    yield send("a PNG as image/gif", image, "image/gif")
    yield send("a PNG as image/jpeg", image, "image/jpeg")
    yield send("a PNG as text/plain", image, "text/plain")
    yield send("a PNG without a content type", image, None)
    yield send("JSON instead of an image", b'{"icon": "x"}', "application/json")
    yield send("multipart instead of an image", *multipart({}, {"icon": image}))
    yield send("over 1 MB", image + b"\x00" * 1_048_576, "image/png")
    # Parameters of the content type do not matter: this one may be accepted as a PNG.
    yield Attack("odd content type parameters", method, url, image, 'image/png;;; x="unclosed')


def _unexpected_body_attacks(method: str, url: str) -> Iterator[Attack]:
    """Routes that take no body: sending one must not matter."""
    yield Attack("an unexpected JSON body", method, url, b'{"a": [1, 2]}', "application/json")
    yield Attack("an unexpected malformed body", method, url, b"{", "application/json")
    yield Attack("an unexpected multipart body", method, url, *multipart({"a": "b"}, {}))


def _path_attacks(endpoint: Endpoint, call: Call) -> Iterator[Attack]:
    for name in call.path:
        for value in PATH_VALUES:
            odd = {**call.path, name: value}
            url = endpoint.url(Call(path=odd))
            body = _body_of(call)
            yield Attack(f"path {name} = {_short(value)}", endpoint.method, url, *body)


def _body_of(call: Call) -> tuple[bytes | None, str | None]:
    if call.json is not NO_JSON:
        return json.dumps(call.json).encode(), "application/json"
    return call.content, call.content_type


def _query_attacks(endpoint: Endpoint, call: Call, query_params: list[str]) -> Iterator[Attack]:
    url = endpoint.url(call)
    body = _body_of(call)
    valid = tuple(call.params.items())
    for name in query_params:
        for value in QUERY_VALUES:
            params = (*(p for p in valid if p[0] != name), (name, value))
            what = f"query {name} = {_short(value)}"
            yield Attack(what, endpoint.method, url, *body, params=params)
        repeated = (*valid, (name, "1"), (name, "abc"))
        yield Attack(f"query {name} repeated", endpoint.method, url, *body, params=repeated)
    junk = (*valid, ("limit", "abc"), ("limit", "-1"), ("unknown", "\x00"))
    yield Attack("unknown and mistyped query parameters", endpoint.method, url, *body, params=junk)
