"""The launch reads ``user_id`` and its base URL on a fast path: the answers must be the
ones Starlette's own parsing gives, for every shape of query string."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from minirelease.api.routers.launch import base_url_of, user_id_of

QUERIES = [
    b"",
    b"user_id=",
    b"user_id=alice",
    b"user_id=a=b",
    b"user_id=a+b",
    b"user_id=a%20b",
    b"user_id=%E5%BC%A0%E4%B8%89",
    "user_id=张三".encode(),
    b"user_id=\xff\xfe",
    b"user_id=a&user_id=b",
    b"x=1&user_id=c",
    b"user_id=c&x=1",
    b"user_id=c;x=1",
    b"user_idx=1",
    b"USER_ID=1",
]


class _State:
    base_urls: dict[Any, str]


class _App:
    def __init__(self) -> None:
        self.state = _State()
        self.state.base_urls = {}


def _request(query: bytes, host: bytes = b"example.com", app: Any = None) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "path": "/api/v1/launch/wallet/1",
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", host)],
        "server": ("10.0.0.1", 443),
        "app": app or _App(),
    }
    return Request(scope)


@pytest.mark.parametrize("query", QUERIES)
def test_user_id_is_what_starlette_parses(query: bytes) -> None:
    request = _request(query)
    assert user_id_of(request.scope["query_string"]) == request.query_params.get("user_id")


def test_the_base_url_is_starlettes_and_remembered_per_host() -> None:
    app = _App()
    first = _request(b"", b"cdn.example.com", app)
    assert (
        base_url_of(app, first.scope)
        == str(first.base_url).rstrip("/")
        == "https://cdn.example.com"
    )
    other = _request(b"", b"other.example.com:8443", app)
    assert base_url_of(app, other.scope) == "https://other.example.com:8443"
    assert len(app.state.base_urls) == 2
    assert (
        base_url_of(app, _request(b"", b"cdn.example.com", app).scope) == "https://cdn.example.com"
    )
    assert len(app.state.base_urls) == 2
