"""Reading URLs and page paths from static text, and matching hosts against whitelists."""

from __future__ import annotations

import pytest

from minirelease.compat.domains_match import host_matches, is_whitelisted
from minirelease.compat.jsfacts import script_facts
from minirelease.compat.syntax import StaticText, blank_mustaches, mustache_text
from minirelease.compat.urls import page_path, resolve_page, url_target


def _known(text: str) -> StaticText:
    return StaticText(text, complete=True)


@pytest.mark.parametrize(
    ("url", "scheme", "host"),
    [
        ("https://API.Shop.Example./v1", "https", "api.shop.example"),
        ("https://user:pw@api.shop.example:8443/x", "https", "api.shop.example"),
        ("  https:\\\\api.shop.example\\x", "https", "api.shop.example"),
        ("https:///api.shop.example", "https", "api.shop.example"),
        ("wss://live.shop.example", "wss", "live.shop.example"),
        ("https://bücher.example/", "https", "xn--bcher-kva.example"),
        ("https://ev\til.example/", "https", "evil.example"),
        ("HTTP://a.example", "http", "a.example"),
    ],
)
def test_scheme_and_host_as_a_browser_reads_them(url: str, scheme: str, host: str) -> None:
    target = url_target(_known(url))
    assert target is not None
    assert (target.scheme, target.host) == (scheme, host)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://10.0.0.1/", "IPv4"),
        ("https://[::1]/", "IP address"),
        ("https://localhost/", "localhost"),
        ("https://*.shop.example/", "wildcard"),
        ("https://%61pi.shop.example/", "not allowed in a host name"),
        ("https://intranet/", "two labels"),
    ],
)
def test_hosts_no_whitelist_can_cover(url: str, problem: str) -> None:
    target = url_target(_known(url))
    assert target is not None and target.host is None
    assert target.host_problem is not None and problem in target.host_problem


def test_what_is_not_known_statically() -> None:
    assert url_target(StaticText("https://api.shop.example", complete=False)) == url_target(
        StaticText("https://", complete=False)
    )
    partial = url_target(StaticText("https://api.shop.example", complete=False))
    assert partial is not None and partial.raw_host is None and partial.secure
    insecure = url_target(StaticText("http://", complete=False))
    assert insecure is not None and insecure.insecure
    for text in ("/api/items", "data:text/plain,hi", "ftp://x.example/", "htt"):
        assert url_target(StaticText(text, complete=False)) is None
        assert url_target(_known(text)) is None


def test_page_paths_and_their_resolution() -> None:
    assert page_path(_known("/pages/a/a?x=1")) == "/pages/a/a"
    assert page_path(StaticText("../a/a?id=", complete=False)) == "../a/a"
    assert page_path(StaticText("/pages/", complete=False)) is None
    assert mustache_text("/p/p?id={{id}}") == StaticText("/p/p?id=", complete=False)
    assert resolve_page("../detail/detail", "pages/index/index.js") == "pages/detail/detail"
    assert resolve_page("./x/../y", "pages/index/index.axml") == "pages/index/y"
    assert resolve_page("//pages//a/./a", "sub/p/p.js") == "pages/a/a"
    assert resolve_page("../../..", "pages/index/index.js") is None
    assert resolve_page("/", "app.js") == ""


def test_wildcards_cover_deeper_subdomains_only() -> None:
    assert host_matches("a.example.com", "*.example.com")
    assert host_matches("a.b.example.com", "*.example.com")
    assert not host_matches("example.com", "*.example.com")
    assert not host_matches("badexample.com", "*.example.com")
    assert host_matches("example.com", "example.com")
    assert not host_matches("a.example.com", "example.com")
    assert is_whitelisted("x.cdn.example", ["api.example", "*.cdn.example"])
    assert not is_whitelisted("api.example", [])


def test_string_values_with_escapes_and_concatenation() -> None:
    source = (
        b"my.request({ url: 'https:\\/\\/a\\x2eexample\\u002Fx' });\n"
        b'my.request({ url: ("https://" + "b.example") + "/" + id });\n'
        b"my.request({ url: 'https://' + host + '/x' });\n"
        b"my.request({ url: `https://c.example/${a}${b}` });\n"
        b"my.request({ url: 'ok', url: 'https://d.example/' });\n"
    )
    texts = [url.text for url in script_facts(source).urls]
    assert texts == [
        StaticText("https://a.example/x", complete=True),
        StaticText("https://b.example/", complete=False),
        StaticText("https://", complete=False),
        StaticText("https://c.example/", complete=False),
        StaticText("https://d.example/", complete=True),
    ]


def test_mustaches_are_blanked_in_place() -> None:
    source = b'<view a:if="{{a < b && c > "d"}}">\n{{ x <\n y }}</view>'
    blanked = blank_mustaches(source)
    assert len(blanked) == len(source)
    assert blanked == b'<view a:if="{{' + b" " * 16 + b'}}">\n{{    \n   }}</view>'


def test_constants_of_the_function_and_parameter_defaults_are_read_in_place() -> None:
    source = (
        b"const API = 'https://top.example';\n"
        b"function load(id, url = 'https://a.example/list') {\n"
        b"  const base = 'https://b.example';\n"
        b"  const path = `\\x2fitems/${id}`;\n"
        b"  my.request({ url });\n"
        b"  my.request({ url: base + path });\n"
        b"  my.request({ url: `${base}\\u002fx` });\n"
        b"  for (const host of hosts) my.request({ url: host });\n"
        b"  my.request({ url: API });\n"
        b"}\n"
    )
    texts = [url.text for url in script_facts(source).urls]
    assert texts == [
        StaticText("https://a.example/list", complete=True),
        StaticText("https://b.example/items/", complete=False),
        StaticText("https://b.example/x", complete=True),
        StaticText("", complete=False),  # a loop variable
        StaticText("", complete=False),  # a top-level name: the package linker reads it
    ]
