"""One HTTP attempt of a delivery: a POST to the addresses the destination check chose
(pinned: the URL's host goes in the Host header and, for https, as the TLS server name,
so the certificate is checked against it), redirects not followed, 10 s in all from
connecting to the last byte kept, at most 1 KB of the answer kept."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx2

from minirelease import __version__
from minirelease.webhooks.destinations import Destination, IPAddress

TIMEOUT_SECONDS = 10.0
MAX_BODY_BYTES = 1024
USER_AGENT = f"minirelease-webhooks/{__version__}"


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    duration_ms: int
    response_body: str | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def pinned_url(destination: Destination, address: IPAddress) -> str:
    parts = urlsplit(destination.url)
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    return urlunsplit(
        (parts.scheme, f"{host}:{destination.port}", parts.path or "/", parts.query, "")
    )


def host_header(destination: Destination) -> str:
    host = f"[{destination.host}]" if ":" in destination.host else destination.host
    default = 443 if destination.scheme == "https" else 80
    return host if destination.port == default else f"{host}:{destination.port}"


def send(
    destination: Destination,
    headers: dict[str, str],
    body: bytes,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> AttemptResult:
    """POST ``body``; never raises for what the receiver or the network did."""
    started = time.monotonic()
    try:
        status, kept = anyio.run(_post, destination, headers, body, timeout)
    except TimeoutError:
        return _failed(started, f"timed out after {timeout:g} s")
    except httpx2.TransportError as exc:
        return _failed(started, f"{type(exc).__name__}: {exc}".rstrip(": "))
    elapsed = _ms(started)
    text = kept.decode("utf-8", errors="replace")
    if 300 <= status < 400:
        return AttemptResult(status, elapsed, text, f"redirect ({status}) not followed")
    if not 200 <= status < 300:
        return AttemptResult(status, elapsed, text, f"the receiver answered {status}")
    return AttemptResult(status, elapsed, text, None)


async def _post(
    destination: Destination, headers: dict[str, str], body: bytes, timeout: float
) -> tuple[int, bytes]:
    request_headers = {
        **headers,
        "Host": host_header(destination),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
    with anyio.fail_after(timeout):
        async with httpx2.AsyncClient(
            timeout=timeout, follow_redirects=False, trust_env=False
        ) as client:
            last_error: httpx2.ConnectError | None = None
            for address in destination.addresses:
                try:
                    async with client.stream(
                        "POST",
                        pinned_url(destination, address),
                        content=body,
                        headers=request_headers,
                        extensions=extensions,
                    ) as response:
                        return response.status_code, await _read_capped(response)
                except httpx2.ConnectError as exc:
                    last_error = exc  # the next address, as a browser would
            assert last_error is not None
            raise last_error


async def _read_capped(response: httpx2.Response) -> bytes:
    kept = bytearray()
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= MAX_BODY_BYTES:
            break
    return bytes(kept[:MAX_BODY_BYTES])


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _failed(started: float, error: str) -> AttemptResult:
    return AttemptResult(None, _ms(started), None, error)
