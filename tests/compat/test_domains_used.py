"""The report lists the domains a package calls next to their whitelists, and each
finding quotes its line of code."""

from __future__ import annotations

from tests.compat.programs import check, program


def test_every_host_called_is_listed_with_its_whitelist_and_places() -> None:
    result = check(
        program(
            {
                "pages/index/index.js": """
                    Page({
                      onLoad() {
                        my.request({ url: 'https://api.shop.example/v1/items' });
                        my.request({ url: 'https://tracker.example.net/hit' });
                        my.request({ url: 'https://img.cdn.example.com/a.png' });
                        my.request({ url: 'https://tracker.example.net/again' });
                      },
                    });
                """,
                "pages/detail/detail.axml": '<web-view src="https://h5.shop.example/help" />\n',
            }
        )
    )
    domains = {(d["whitelist"], d["host"]): d for d in result.report["domains"]}
    assert set(domains) == {
        ("server", "api.shop.example"),
        ("server", "img.cdn.example.com"),
        ("server", "tracker.example.net"),
        ("h5", "h5.shop.example"),
    }
    assert domains["server", "api.shop.example"]["whitelisted"] is True
    assert domains["server", "img.cdn.example.com"]["whitelisted"] is True  # *.cdn.example.com
    tracker = domains["server", "tracker.example.net"]
    assert tracker["whitelisted"] is False and tracker["count"] == 2
    assert tracker["places"] == ["pages/index/index.js:4", "pages/index/index.js:6"]
    assert domains["h5", "h5.shop.example"]["places"] == ["pages/detail/detail.axml:1"]


def test_findings_quote_their_line_of_code() -> None:
    result = check(
        program(
            {
                "pages/index/index.js": """
                    Page({
                      onLoad() {
                        my.request({ url: 'http://api.shop.example/plain' });
                      },
                    });
                """
            }
        )
    )
    insecure = [f for f in result.report["findings"] if f["rule"] == "insecure-url"]
    assert (
        insecure and insecure[0]["code"] == "my.request({ url: 'http://api.shop.example/plain' });"
    )
