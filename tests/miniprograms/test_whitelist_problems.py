"""Every refused entry of a whitelist at once, for forms that show each next to its field;
``validate_whitelist`` refuses with the first of them."""

from __future__ import annotations

import pytest

from minirelease.errors import ValidationFailed
from minirelease.miniprograms.domains import EntryProblem, validate_whitelist, whitelist_problems


def test_every_bad_entry_is_named_with_its_rule() -> None:
    entries = ["api.example.com", "http://a.example.com", "10.0.0.1", "API.example.com", "ok.io"]
    assert whitelist_problems("server_domains", entries) == [
        EntryProblem(1, "http://a.example.com", "scheme", "only https is allowed, not http://"),
        EntryProblem(2, "10.0.0.1", "ip_address", "IP address literals are not allowed (IPv4)"),
        EntryProblem(
            3,
            "API.example.com",
            "duplicate",
            "duplicates server_domains[0] (both are 'api.example.com')",
        ),
    ]


def test_a_valid_list_has_no_problems() -> None:
    assert whitelist_problems("h5_domains", ["a.example.com", "*.b.example.com"]) == []
    assert whitelist_problems("h5_domains", []) == []


def test_validation_refuses_with_the_first_problem() -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_whitelist("h5_domains", ["good.example.com", "bad..example.com", "x"])
    assert raised.value.extra == {
        "field": "h5_domains",
        "index": 1,
        "entry": "bad..example.com",
        "rule": "empty_label",
    }
