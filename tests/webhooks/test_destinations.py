"""Where webhooks may go: public https only, unless the server allows private
destinations; every address a host resolves to is judged."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from minirelease.webhooks import destinations
from minirelease.webhooks.destinations import IPAddress, WebhookUrlRefused

PUBLIC = "93.184.216.34"


def resolver(*addresses: str) -> destinations.Resolver:
    """A fake DNS: every host resolves to ``addresses``."""

    def resolve(host: str, port: int) -> Sequence[IPAddress]:
        return [ipaddress.ip_address(a) for a in addresses]

    return resolve


def no_dns(host: str, port: int) -> Sequence[IPAddress]:
    raise OSError("Name or service not known")


REFUSED = [
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "127.0.0.1",
    "169.254.169.254",  # link-local: cloud metadata
    "100.64.0.1",  # shared address space (carrier NAT)
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "::1",
    "::",
    "fe80::1",  # link-local
    "fc00::1",  # unique local (ULA)
    "fd12:3456::1",
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
]


@pytest.mark.parametrize("address", REFUSED)
def test_a_private_or_reserved_address_is_refused(address: str) -> None:
    with pytest.raises(WebhookUrlRefused) as refused:
        destinations.check(
            "https://hooks.example.com/in", allow_private=False, resolve=resolver(address)
        )
    assert refused.value.code == "webhook_url_refused"
    assert refused.value.extra["address"] == str(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", REFUSED)
def test_an_address_literal_in_the_url_is_judged_the_same(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(WebhookUrlRefused):
        destinations.check(f"https://{host}/in", allow_private=False)


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    with pytest.raises(WebhookUrlRefused, match=r"10\.0\.0\.7"):
        destinations.check(
            "https://hooks.example.com/in",
            allow_private=False,
            resolve=resolver(PUBLIC, "10.0.0.7"),
        )


def test_a_public_https_url_is_allowed_and_keeps_its_addresses() -> None:
    found = destinations.check(
        "https://hooks.example.com:8443/in?x=1", allow_private=False, resolve=resolver(PUBLIC)
    )
    assert (found.host, found.port, found.scheme) == ("hooks.example.com", 8443, "https")
    assert found.addresses == (ipaddress.ip_address(PUBLIC),)


@pytest.mark.parametrize("address", REFUSED)
def test_the_setting_allows_private_addresses(address: str) -> None:
    found = destinations.check(
        "https://hooks.internal/in", allow_private=True, resolve=resolver(address)
    )
    assert found.addresses == (ipaddress.ip_address(address),)


def test_plain_http_only_to_loopback_and_only_with_the_setting() -> None:
    with pytest.raises(WebhookUrlRefused, match="https"):
        destinations.check(
            "http://hooks.example.com/", allow_private=False, resolve=resolver(PUBLIC)
        )
    with pytest.raises(WebhookUrlRefused, match="https"):
        destinations.check(
            "http://hooks.example.com/", allow_private=True, resolve=resolver(PUBLIC)
        )
    with pytest.raises(WebhookUrlRefused, match="https"):
        destinations.check("http://intranet/", allow_private=True, resolve=resolver("10.0.0.1"))
    with pytest.raises(WebhookUrlRefused):
        destinations.check("http://127.0.0.1:9/", allow_private=False)
    assert destinations.check("http://127.0.0.1:9/", allow_private=True).port == 9
    assert destinations.check("http://[::1]:9/", allow_private=True).host == "::1"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://hooks.example.com/", "https"),
        ("hooks.example.com/in", "https"),
        ("https:///in", "no host"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://hooks.example.com/#frag", "fragment"),
        ("https://hooks.example.com:99999/", "not a URL"),
        ("https://" + "a" * 2000 + ".com/", "at most"),
    ],
)
def test_urls_no_setting_allows(url: str, why: str) -> None:
    with pytest.raises(WebhookUrlRefused, match=why):
        destinations.check(url, allow_private=True, resolve=resolver(PUBLIC))


def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(WebhookUrlRefused, match="does not resolve"):
        destinations.check("https://nowhere.invalid/", allow_private=False, resolve=no_dns)
    with pytest.raises(WebhookUrlRefused, match="does not resolve"):
        destinations.check("https://nowhere.invalid/", allow_private=False, resolve=resolver())


def test_the_system_resolver_reads_address_literals_without_dns() -> None:
    assert destinations.system_resolver("127.0.0.1", 80) == [ipaddress.ip_address("127.0.0.1")]
    assert destinations.system_resolver("::1", 80) == [ipaddress.ip_address("::1")]
