"""The review sheet's comparisons against the version online."""

from __future__ import annotations

from minirelease.releases.review_queues import Change, basic_info_changes, domain_changes


def test_basic_info_changes_list_only_what_differs() -> None:
    before = {"name": "Coffee", "description": "Old", "category": "food"}
    after = {"name": "Coffee", "description": "New", "category": "food", "extra": 1}
    assert basic_info_changes(before, after) == [
        Change("description", "Old", "New"),
        Change("extra", None, 1),
    ]


def test_with_nothing_online_every_field_is_new() -> None:
    assert basic_info_changes(None, {"name": "Coffee"}) == [Change("name", None, "Coffee")]
    assert basic_info_changes(None, None) == []


def test_domain_changes_keep_the_order_and_name_additions_and_removals() -> None:
    changes = domain_changes(
        "server", ["a.example.com", "b.example.com"], ["c.example.com", "a.example.com"]
    )
    assert changes.current == ["c.example.com", "a.example.com"]
    assert changes.added == ["c.example.com"]
    assert changes.removed == ["b.example.com"]
    assert domain_changes("H5", None, None).current == []
