"""problem+json bodies written below the app (by a middleware or by the HTTP protocol),
shaped like the ones api/errors.py renders, so a client reads every refusal the same way."""

from __future__ import annotations

import json
from typing import Any

PROBLEM_JSON = b"application/problem+json"


def problem_body(
    status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> bytes:
    body: dict[str, Any] = {
        "type": f"urn:minirelease:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        **extra,
    }
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()


def problem_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """Headers of a refusal after which the connection is closed: the request's unread
    rest (a body, or the rest of a head) is never read."""
    return [
        (b"content-type", PROBLEM_JSON),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
        (b"connection", b"close"),
    ]
