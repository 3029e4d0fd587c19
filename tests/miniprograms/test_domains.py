"""Domain whitelists: every rule of design §1 / issue 2 item 6, good and bad, with the
message a user would read."""

from __future__ import annotations

import pytest

from minirelease.errors import ValidationFailed
from minirelease.miniprograms.domains import (
    MAX_ENTRIES,
    InvalidDomain,
    normalize_domain,
    validate_whitelist,
)

ACCEPTED = [
    ("api.example.com", "api.example.com"),
    ("example.com", "example.com"),
    ("https://api.example.com", "api.example.com"),
    ("HTTPS://API.Example.COM", "api.example.com"),
    ("https://api.example.com/", "api.example.com"),
    ("api.example.com.", "api.example.com"),
    ("https://api.example.com./", "api.example.com"),
    ("  api.example.com  ", "api.example.com"),
    ("*.example.com", "*.example.com"),
    ("https://*.Example.com/", "*.example.com"),
    ("*.cdn.example.co.uk", "*.cdn.example.co.uk"),
    ("my-api.example-1.com", "my-api.example-1.com"),
    ("123.example.com", "123.example.com"),
    ("a.b.c.d.e.example.io", "a.b.c.d.e.example.io"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("*.Bücher.de", "*.xn--bcher-kva.de"),
    ("straße.de", "xn--strae-oqa.de"),  # IDNA 2008: not folded to strasse
    ("例え.jp", "xn--r8jz45g.jp"),
    ("münchen\u3002de", "xn--mnchen-3ya.de"),  # ideographic full stop separates labels
    ("\uff41\uff50\uff49.example.com", "api.example.com"),  # full-width letters map to ASCII
    ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("a" * 63 + ".com", "a" * 63 + ".com"),
    (".".join(["a" * 63] * 3) + "." + "b" * 61, ".".join(["a" * 63] * 3) + "." + "b" * 61),
]


@pytest.mark.parametrize(("entry", "normalized"), ACCEPTED)
def test_accepted_entries_are_normalized(entry: str, normalized: str) -> None:
    assert normalize_domain(entry) == normalized


REFUSED = [
    # (entry, rule, words the message must contain)
    ("", "empty", "empty"),
    ("   ", "empty", "empty"),
    ("https://", "empty", "no host name"),
    (".", "empty", "no host name"),
    ("http://api.example.com", "scheme", "only https"),
    ("HTTP://api.example.com", "scheme", "not http://"),
    ("ftp://files.example.com", "scheme", "not ftp://"),
    ("wss://ws.example.com", "scheme", "not wss://"),
    ("javascript:alert(1)", "scheme", "only https://"),
    ("api.example.com:443", "port", "ports are not allowed"),
    ("https://api.example.com:8443/", "port", "ports are not allowed"),
    ("api.example.com:", "port", "ports are not allowed"),
    ("api.example.com/v1", "path", "paths are not allowed"),
    ("https://api.example.com//", "path", "paths are not allowed"),
    ("api.example.com?x=1", "query", "query strings are not allowed"),
    ("https://api.example.com/?x=1", "path", "paths are not allowed"),
    ("api.example.com#top", "fragment", "fragments are not allowed"),
    ("user@api.example.com", "userinfo", "user info"),
    ("https://user:secret@api.example.com", "userinfo", "user info"),
    ("127.0.0.1", "ip_address", "IPv4"),
    ("https://10.0.0.8/", "ip_address", "IPv4"),
    ("127.1", "ip_address", "IPv4"),
    ("0x7f.0.0.1", "ip_address", "IPv4"),
    ("1.2.3.0x1f", "ip_address", "IPv4"),
    ("2130706433", "ip_address", "IPv4"),
    ("example.123", "ip_address", "IP address"),
    ("[::1]", "ip_address", "IPv6"),
    ("https://[2001:db8::1]/", "ip_address", "IPv6"),
    ("::ffff:127.0.0.1", "ip_address", "IPv6"),
    ("localhost", "localhost", "localhost"),
    ("LOCALHOST.", "localhost", "localhost"),
    ("api.localhost", "localhost", "localhost"),
    ("*.localhost", "localhost", "localhost"),
    ("a" * 64 + ".com", "label_length", "64 characters long; at most 63"),
    (".".join(["a" * 63] * 4), "host_length", "255 characters long; at most 253"),
    ("api..example.com", "empty_label", "empty label"),
    (".example.com", "empty_label", "empty label"),
    ("api_v1.example.com", "invalid_character", "'_'"),
    ("api example.com", "invalid_character", "' '"),
    ("api!.example.com", "invalid_character", "'!'"),
    ("api\x00.example.com", "invalid_character", "'\\x00'"),
    ("-api.example.com", "hyphen", "hyphen"),
    ("api-.example.com", "hyphen", "hyphen"),
    ("*.com", "too_few_labels", "two labels after *."),
    ("*", "wildcard", "whole first label"),
    ("*.", "wildcard", "whole first label"),
    ("a*.b.com", "wildcard", "whole first label"),
    ("api.*.example.com", "wildcard", "whole first label"),
    ("*.*.example.com", "wildcard", "whole first label"),
    ("intranet", "too_few_labels", "at least two labels"),
    ("xn--zzzzzz.de", "idna", "not a valid internationalized name"),
    ("☃.example.com", "idna", "not a valid internationalized name"),
]


@pytest.mark.parametrize(("entry", "rule", "words"), REFUSED)
def test_refused_entries_name_the_rule(entry: str, rule: str, words: str) -> None:
    with pytest.raises(InvalidDomain) as caught:
        normalize_domain(entry)
    assert caught.value.rule == rule
    assert words in caught.value.reason


def test_whitelist_message_names_list_index_and_entry() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_whitelist("h5_domains", ["ok.example.com", "http://bad.example.com"])
    error = caught.value
    assert error.detail == (
        "h5_domains[1] 'http://bad.example.com': only https is allowed, not http://"
    )
    assert error.extra == {
        "field": "h5_domains",
        "index": 1,
        "entry": "http://bad.example.com",
        "rule": "scheme",
    }


def test_duplicates_after_normalization_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_whitelist(
            "server_domains", ["a.example.com", "api.example.com", "https://API.example.com./"]
        )
    assert caught.value.detail == (
        "server_domains[2] 'https://API.example.com./': duplicates server_domains[1] "
        "(both are 'api.example.com')"
    )
    assert caught.value.extra["rule"] == "duplicate"


def test_wildcard_and_its_base_are_different_entries() -> None:
    assert validate_whitelist("server_domains", ["example.com", "*.example.com"]) == [
        "example.com",
        "*.example.com",
    ]


def test_unicode_and_punycode_spellings_are_duplicates() -> None:
    with pytest.raises(ValidationFailed, match=r"h5_domains\[1\].*duplicates h5_domains\[0\]"):
        validate_whitelist("h5_domains", ["bücher.de", "xn--bcher-kva.de"])


def test_whole_list_is_normalized_in_order() -> None:
    entries = ["https://B.example.com/", "a.example.com.", "*.C.example.com"]
    assert validate_whitelist("server_domains", entries) == [
        "b.example.com",
        "a.example.com",
        "*.c.example.com",
    ]


def test_empty_list_is_allowed() -> None:
    assert validate_whitelist("h5_domains", []) == []


@pytest.mark.parametrize("list_name", ["server_domains", "h5_domains"])
def test_at_most_200_entries(list_name: str) -> None:
    hosts = [f"h{i}.example.com" for i in range(MAX_ENTRIES + 1)]
    assert validate_whitelist(list_name, hosts[:MAX_ENTRIES]) == hosts[:MAX_ENTRIES]
    with pytest.raises(ValidationFailed) as caught:
        validate_whitelist(list_name, hosts)
    assert caught.value.detail == f"{list_name} has 201 entries; at most 200 are allowed"
    assert caught.value.extra["rule"] == "too_many_entries"


def test_first_bad_entry_is_reported() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_whitelist("server_domains", ["good.example.com", "127.0.0.1", "localhost"])
    assert caught.value.extra["index"] == 1
    assert "server_domains[1] '127.0.0.1'" in caught.value.detail
