"""Accept-Encoding (RFC 9110 §12.5.3): weights, "*", identity refused or not, names in any
case, and the server's preference (zstd, then br, then gzip) between equal weights."""

from __future__ import annotations

import pytest

from minirelease.http.accept_encoding import IDENTITY, negotiate, weights
from minirelease.http.content_codings import OFFERED


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, IDENTITY),  # no header: no coding
        ("", IDENTITY),  # an empty one: no coding wanted
        ("gzip", "gzip"),
        ("GZip", "gzip"),
        ("x-gzip", "gzip"),
        ("gzip, deflate, br", "br"),  # equal weights: the server's preference
        ("gzip, deflate, br, zstd", "zstd"),
        ("br;q=0.5, gzip", "gzip"),  # the client's weights first
        ("zstd;q=0.2, br;q=0.9, gzip;q=0.9", "br"),
        ("gzip;q=0", IDENTITY),  # refused
        ("gzip;q=0.000, br;Q=0", IDENTITY),
        ("*", "zstd"),
        ("*;q=0.5, br", "br"),
        ("*;q=0, gzip", "gzip"),
        ("*, zstd;q=0, br;q=0", "gzip"),
        ("*;q=0", IDENTITY),  # nothing acceptable, not even identity: sent as it is
        ("identity;q=0", IDENTITY),
        ("identity;q=0, gzip;q=0.1", "gzip"),
        ("identity, gzip", "gzip"),  # identity loses ties
        ("identity, gzip;q=0.5", IDENTITY),  # and wins when weighted higher
        ("gzip;q=0.5", "gzip"),  # unlisted identity only when nothing else is
        ("deflate, compress", IDENTITY),  # nothing the server offers
        ("gzip;q=2, br", "br"),  # a malformed weight drops its member
        ("gzip;q=abc", IDENTITY),
        ("gzip;q=0.5555, br;q=0.1", "br"),  # four decimals is malformed
        (" , ;q=1, gzip ; q=0.7 ", "gzip"),
        ("gzip, gzip;q=0", IDENTITY),  # listed twice: its lower weight
    ],
)
def test_negotiation(header: str | None, chosen: str) -> None:
    assert negotiate(header, OFFERED) == chosen


def test_weights_are_thousandths_by_lower_case_name() -> None:
    assert weights("GZIP;q=0.5, br;q=1.0, *;q=0.001, zstd") == {
        "gzip": 500,
        "br": 1000,
        "*": 1,
        "zstd": 1000,
    }


def test_only_what_the_server_offers_is_chosen() -> None:
    assert negotiate("zstd, br;q=0.5", ("gzip",)) == IDENTITY
    assert negotiate("zstd, br;q=0.5, gzip;q=0.1", ("br", "gzip")) == "br"
