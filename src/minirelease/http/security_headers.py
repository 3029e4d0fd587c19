"""Security headers on every response, as a plain ASGI middleware around the whole app
(its error responses included), its headers encoded once.

- ``X-Content-Type-Options: nosniff`` everywhere: a browser never guesses a type.
- HTML pages: a Content-Security-Policy (the console's own scripts and styles only, no
  inline code, no framing), ``Referrer-Policy`` and ``X-Frame-Options``. A page that sets
  its own policy keeps it (a stored compatibility report, the API docs), framing refused.
- ``Cache-Control: no-store`` unless the route chose its caching: on every answer to a
  request that carries credentials (private data) and to every unsafe method (tokens,
  keys and webhook secrets are shown once, in such answers; an accepted invitation
  creates a token without credentials).
- ``Strict-Transport-Security`` when the request came over https (uvicorn rewrites the
  scheme from ``X-Forwarded-Proto`` when the proxy is trusted, see the README).

A launch (a GET without credentials answering JSON) gets nosniff alone."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Header = tuple[bytes, bytes]

NOSNIFF: Header = (b"x-content-type-options", b"nosniff")
NO_STORE: Header = (b"cache-control", b"no-store")
HSTS: Header = (b"strict-transport-security", b"max-age=31536000")
FRAME_ANCESTORS = b"frame-ancestors 'none'"
# The console loads its scripts, styles, images and icons from /static and its own routes;
# htmx runs with allowEval off and injects no styles (base.html's htmx-config).
CONSOLE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    + FRAME_ANCESTORS
)
HTML_HEADERS: tuple[Header, ...] = (
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def policy_for_page(html: bytes) -> str:
    """A policy for a page of a third-party tool (the API docs): its inline scripts by
    their digest, and inline styles (Swagger UI and ReDoc style by script); the rest
    from this server only."""
    digests = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {digests}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
        f"base-uri 'none'; object-src 'none'; {FRAME_ANCESTORS.decode()}"
    )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = b"mr_session="  # api/deps.py CONSOLE_SESSION_COOKIE


def carries_credentials(headers: list[Header]) -> bool:
    for name, value in headers:
        if name == b"authorization" or (name == b"cookie" and SESSION_COOKIE in value):
            return True
    return False


# The response headers secured() looks at; a launch's are none of them but content-type.
_SEEN = frozenset(
    {
        b"content-type",
        b"x-content-type-options",
        b"cache-control",
        b"content-security-policy",
        b"strict-transport-security",
        b"set-cookie",
    }
)


def secured(headers: Iterable[Header], private: bool, https: bool) -> list[Header]:
    """A copy of a response's ``headers`` with the security headers it lacks."""
    if not (private or https):  # the launch's path: nothing but nosniff to add?
        for name, value in headers:
            if name in _SEEN and (name != b"content-type" or value.startswith(b"text/html")):
                break
        else:
            return [*headers, NOSNIFF]
    result = list(headers)
    seen: dict[bytes, bytes] = {}
    for name, value in result:
        if name in _SEEN:
            seen[name] = value
    if b"x-content-type-options" not in seen:
        result.append(NOSNIFF)
    if (private or b"set-cookie" in seen) and b"cache-control" not in seen:
        result.append(NO_STORE)
    if https and b"strict-transport-security" not in seen:
        result.append(HSTS)
    if seen.get(b"content-type", b"").startswith(b"text/html"):
        _secure_page(result, seen.get(b"content-security-policy"))
    return result


def _secure_page(result: list[Header], policy: bytes | None) -> None:
    if policy is None:
        result.append((b"content-security-policy", CONSOLE_CSP))
    elif b"frame-ancestors" not in policy:  # a route's own choice stays
        at = result.index((b"content-security-policy", policy))
        result[at] = (b"content-security-policy", policy.rstrip(b"; ") + b"; " + FRAME_ANCESTORS)
    present = {name for name, _ in result}
    result.extend(header for header in HTML_HEADERS if header[0] not in present)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["method"] not in SAFE_METHODS or carries_credentials(scope["headers"])
        https = scope["scheme"] == "https"

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(message.get("headers") or [], private, https)
            await send(message)

        await self.app(scope, receive, send_secured)
