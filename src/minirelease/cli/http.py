"""The client commands' only way to the server: its REST API over HTTP.

Problems (RFC 9457 bodies) become ``CliError`` with the server's ``code`` and ``detail``.
Idempotent calls are retried with backoff when the server answers 503 (busy, starting)
or cannot be reached; a POST is sent once, as repeating it could act twice."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.profiles import Profile

if TYPE_CHECKING:
    # Loaded when a client is made: --help and commands that need no server skip it.
    import httpx2

API_PREFIX = "/api/v1"
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRY_STATUS = 503
_TIMEOUT_SECONDS, _CONNECT_SECONDS = 30.0, 5.0


def _attempts() -> int:
    """Tries per idempotent call (``MINIRELEASE_CLI_RETRIES`` retries after the first)."""
    try:
        return 1 + max(0, int(os.environ.get("MINIRELEASE_CLI_RETRIES", "4")))
    except ValueError:
        return 5


def _backoff(attempt: int, retry_after: str | None) -> float:
    if retry_after is not None and retry_after.isdigit():
        return min(float(retry_after), 30.0)
    return min(0.5 * float(1 << min(attempt - 1, 8)), 8.0)


def problem_of(response: httpx2.Response) -> CliError:
    """The one-line error a refused request becomes."""
    code, detail = f"http_{response.status_code}", response.reason_phrase or "request failed"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or code)
        detail = str(body.get("detail") or body.get("title") or detail)
    auth_failed = response.status_code == 401
    return CliError(
        detail,
        code=code,
        exit_code=Exit.UNREACHABLE_OR_AUTH if auth_failed else Exit.FAILED,
        status=response.status_code,
    )


class ApiClient:
    def __init__(self, profile: Profile, *, transport: httpx2.BaseTransport | None = None) -> None:
        import httpx2

        self.profile = profile
        self._transport_error = httpx2.TransportError
        self._http = httpx2.Client(
            base_url=profile.server,
            headers={
                "Authorization": f"Bearer {profile.token}",
                "Accept": "application/json",
                "User-Agent": "minirelease-cli",
            },
            timeout=httpx2.Timeout(_TIMEOUT_SECONDS, connect=_CONNECT_SECONDS),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx2.Response:
        """The server's successful answer, whole (status, headers, body); a refusal or an
        unreachable server raises ``CliError``."""
        # API paths are written as in the reference ("/releases/…"); others pass through.
        url = path if path.startswith((API_PREFIX, "http")) else API_PREFIX + path
        tries = _attempts() if method.upper() in _IDEMPOTENT else 1
        for attempt in range(1, tries + 1):
            try:
                response = self._http.request(
                    method,
                    url,
                    json=json,
                    params={k: v for k, v in (params or {}).items() if v is not None},
                    content=content,
                    headers=headers,
                )
            except self._transport_error as exc:
                if attempt < tries:
                    time.sleep(_backoff(attempt, None))
                    continue
                raise CliError(
                    f"cannot reach {self.profile.server}: {exc or type(exc).__name__}",
                    code="server_unreachable",
                    exit_code=Exit.UNREACHABLE_OR_AUTH,
                ) from None
            if response.status_code == _RETRY_STATUS and attempt < tries:
                time.sleep(_backoff(attempt, response.headers.get("retry-after")))
                continue
            if response.status_code >= 400:
                raise problem_of(response)
            return response
        raise AssertionError("unreachable: the loop returns or raises")

    def request(self, method: str, path: str, *, expect_json: bool = True, **kwargs: Any) -> Any:
        """The decoded JSON answer (or raw bytes when ``expect_json`` is False)."""
        response = self.send(method, path, **kwargs)
        if not expect_json:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body if body is not None else {})

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def all_pages(self, path: str, *, limit: int | None = None, **params: Any) -> list[Any]:
        """Every item of a cursor-paged list (``{items, next_cursor}``), up to ``limit``."""
        items: list[Any] = []
        cursor: str | None = None
        while True:
            page = self.get(path, cursor=cursor, **params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor or (limit is not None and len(items) >= limit):
                return items[:limit] if limit is not None else items

    def wait_for(
        self,
        path: str,
        done: Callable[[Any], bool],
        *,
        interval: float = 1.0,
        timeout: float = 3600.0,
        on_poll: Callable[[Any], None] | None = None,
    ) -> Any:
        """Poll ``path`` until ``done(answer)``; each answer goes to ``on_poll`` first."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.get(path)
            if on_poll is not None:
                on_poll(answer)
            if done(answer):
                return answer
            if time.monotonic() > deadline:
                raise CliError(f"gave up waiting after {timeout:.0f} s", code="wait_timeout")
            time.sleep(interval)
