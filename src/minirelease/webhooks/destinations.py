"""Where a webhook may be sent: https to a public address. Private, loopback,
link-local, multicast, reserved and unspecified addresses (IPv4-mapped IPv6 ones judged
as the IPv4 address they carry) are refused unless the server allows private
destinations, which also allows plain http to loopback, for development.

The check runs when an endpoint is registered or changed, and again before each send,
as DNS may have changed: the sender then connects to the very addresses checked here,
so no second lookup can lead it elsewhere (DNS rebinding)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from minirelease.errors import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port → the addresses it resolves to (raises OSError when it does not resolve).
Resolver = Callable[[str, int], Sequence[IPAddress]]

MAX_URL_CHARS = 2000


class WebhookUrlRefused(DomainError):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class Destination:
    url: str
    scheme: str
    host: str  # as written in the URL, without brackets
    port: int
    addresses: tuple[IPAddress, ...]


def system_resolver(host: str, port: int) -> list[IPAddress]:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _, _, _, _, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def parse(url: str) -> SplitResult:
    """The URL's parts, or a refusal for what no setting allows."""
    if len(url) > MAX_URL_CHARS:
        raise WebhookUrlRefused(f"url: at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        raise WebhookUrlRefused(f"url: not a URL ({exc})") from None
    if parts.scheme not in ("https", "http"):
        raise WebhookUrlRefused("url: must be https")
    if not parts.hostname:
        raise WebhookUrlRefused("url: has no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("url: must not carry credentials")
    if parts.fragment:
        raise WebhookUrlRefused("url: must not have a fragment")
    return parts


def check(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> Destination:
    """Resolve ``url``'s host and refuse it unless every address is allowed; return the
    addresses to connect to."""
    parts = parse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = tuple(resolve(host, port))
    except (OSError, UnicodeError) as exc:
        raise WebhookUrlRefused(f"url: the host {host} does not resolve ({exc})") from None
    if not addresses:
        raise WebhookUrlRefused(f"url: the host {host} does not resolve")
    if not allow_private:
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise WebhookUrlRefused(
                f"url: {host} resolves to {refused[0]}, a private or reserved address",
                address=str(refused[0]),
            )
    if parts.scheme == "http" and not (
        allow_private and all(_loopback(address) for address in addresses)
    ):
        raise WebhookUrlRefused("url: must be https (http only to loopback in development)")
    return Destination(url, parts.scheme, host, port, addresses)


def _loopback(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
