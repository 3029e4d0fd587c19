"""insecure-url and domain-not-whitelisted: URLs given to my.request, my.httpRequest,
my.downloadFile, my.uploadFile, my.connectSocket and <web-view src>, against the mini
program's whitelists (server: api.shop.example, *.cdn.example.com; H5: h5.shop.example,
*.help.example.org), and remote <image src> (https only, no whitelist)."""

from __future__ import annotations

from minirelease.compat.model import DOMAIN_NOT_WHITELISTED, INSECURE_URL, Target
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import H5_DOMAINS, SERVER_DOMAINS, assert_only, check, program
from tests.compat.static_checks import static_findings

WALLET = Target.from_profile(
    "wallet",
    shipped_profile("wallet"),
    DEFAULT_PACKAGE_LIMITS,
    server_domains=SERVER_DOMAINS,
    h5_domains=H5_DOMAINS,
)


def _page(body: str) -> dict[str, bytes]:
    return program({"pages/index/index.js": "Page({\n  onLoad(id) {\n" + body + "  },\n});\n"})


def test_request_over_http() -> None:
    result = check(
        _page("    my.request({ url: 'http://api.shop.example/items', success() {} });\n")
    )
    found = assert_only(result, INSECURE_URL, "pages/index/index.js", 3, 23)
    assert "use https://" in found.finding.message


def test_socket_over_ws_with_a_computed_host() -> None:
    result = check(_page("    my.connectSocket({ url: `ws://${id}.shop.example/feed` });\n"))
    found = assert_only(result, INSECURE_URL, "pages/index/index.js", 3, 29)
    assert "use wss://" in found.finding.message


def test_web_view_over_http() -> None:
    files = program({"pages/detail/detail.axml": '<web-view src="http://h5.shop.example/faq"/>\n'})
    assert_only(check(files), INSECURE_URL, "pages/detail/detail.axml", 1, 15)


def test_download_from_a_host_not_on_the_server_whitelist() -> None:
    result = check(
        _page("    my.downloadFile({ url: 'https://files.other.example/a.png', success() {} });\n")
    )
    found = assert_only(result, DOMAIN_NOT_WHITELISTED, "pages/index/index.js", 3, 28)
    assert "files.other.example is not on the mini program's server domain whitelist" in (
        found.finding.message
    )


def test_a_wildcard_does_not_cover_its_own_domain() -> None:
    result = check(
        _page(
            "    my.uploadFile({ url: 'https://cdn.example.com/up', name: 'f', success() {} });\n"
        )
    )
    assert_only(result, DOMAIN_NOT_WHITELISTED, "pages/index/index.js", 3, 26)


def test_an_ip_address_is_never_whitelisted() -> None:
    result = check(_page("    my.request({ url: 'https://127.0.0.1/x', success() {} });\n"))
    found = assert_only(result, DOMAIN_NOT_WHITELISTED, "pages/index/index.js", 3, 23)
    assert "cannot be whitelisted" in found.finding.message


def test_web_view_checks_the_h5_whitelist_not_the_server_one() -> None:
    files = program(
        {
            "pages/detail/detail.axml": """
                <view>
                  <web-view src="https://api.shop.example/help"></web-view>
                </view>
            """
        }
    )
    found = assert_only(check(files), DOMAIN_NOT_WHITELISTED, "pages/detail/detail.axml", 2, 17)
    assert "H5 domain whitelist" in found.finding.message


def test_a_lookalike_host_in_a_template_prefix_is_caught() -> None:
    result = check(
        _page("    my.request({ url: `https://api.shop.example.evil.com/${id}`, success() {} });\n")
    )
    assert_only(result, DOMAIN_NOT_WHITELISTED, "pages/index/index.js", 3, 23)


def test_whitelisted_https_urls_and_computed_ones_are_not_findings() -> None:
    body = """\
    my.request({ url: 'https://api.shop.example/items', method: 'GET', success() {} });
    my.request({ url: 'https://API.Shop.Example:443/items?x=1', success() {} });
    my.request({ url: `https://api.shop.example/items/${id}` });
    my.request({ url: 'https://api.shop.example' + '/items/' + id, success() {} });
    my.downloadFile({ url: 'https://img.cdn.example.com/a.png', success() {} });
    my.uploadFile({ url: 'https://a.b.cdn.example.com/up', name: 'file', success() {} });
    my.connectSocket({ url: 'wss://api.shop.example/socket' });
    my.request({ url: 'https://api.shop.example' + id, success() {} });
    my.request({ url: base + '/items', success() {} });
    my.request({ url });
    my.getImageInfo({ src: 'http://anything.example/a.png' });
"""
    files = _page(body)
    files["pages/detail/detail.axml"] = (
        b'<view>\n  <web-view src="https://h5.shop.example/faq"></web-view>\n'
        b'  <web-view src="https://faq.help.example.org/"></web-view>\n'
        b'  <web-view src="{{link}}"></web-view>\n</view>\n'
    )
    # Static rules only: the smoke test checks the URLs it requests on its own (a query
    # object concatenated into a host is its finding, not a static one).
    assert static_findings(files, INSECURE_URL, WALLET) == []
    assert static_findings(files, DOMAIN_NOT_WHITELISTED, WALLET) == []


def test_the_deprecated_http_request_and_sockets_ws_against_wss() -> None:
    body = """\
    my.httpRequest({ url: 'http://api.shop.example/old', success() {} });
    my.httpRequest({ url: 'https://old.other.example/api', success() {} });
    my.connectSocket({ url: 'ws://live.cdn.example.com/feed' });
    my.connectSocket({ url: 'wss://live.cdn.example.com/feed' });
    my.connectSocket({ url: 'wss://live.other.example/feed' });
"""
    files = _page(body)
    insecure = static_findings(files, INSECURE_URL, WALLET)
    assert [(f.line, f.column, f.message) for f in insecure] == [
        (3, 27, "my.httpRequest loads 'http://api.shop.example/old' over http://; use https://"),
        (5, 29, "my.connectSocket loads 'ws://live.cdn.example.com/feed' over ws://; use wss://"),
    ]
    outside = static_findings(files, DOMAIN_NOT_WHITELISTED, WALLET)
    assert [(f.line, f.column) for f in outside] == [(4, 27), (7, 29)]


def test_remote_images_must_use_https_and_need_no_whitelist() -> None:
    files = program(
        {
            "pages/detail/detail.axml": """
                <view>
                  <image src="http://img.other.example/banner.png" mode="widthFix"/>
                  <image src="https://img.other.example/logo.png"/>
                  <image src="/assets/icon.png"/>
                  <image src="{{item.cover}}"/>
                  <image class="avatar" src='http://{{host}}/a.png'></image>
                </view>
            """
        }
    )
    insecure = static_findings(files, INSECURE_URL, WALLET)
    assert [(f.file, f.line, f.column, f.message) for f in insecure] == [
        (
            "pages/detail/detail.axml",
            2,
            14,
            "<image> loads 'http://img.other.example/banner.png' over http://; use https://",
        ),
        ("pages/detail/detail.axml", 6, 29, "<image> loads 'http://…' over http://; use https://"),
    ]
    assert static_findings(files, DOMAIN_NOT_WHITELISTED, WALLET) == []
