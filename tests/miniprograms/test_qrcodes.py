"""QR codes (design §9, issue 8 item 4), the pure rules: what a request may hold, the
deep link each kind of code carries, and the image holding it (read back by a decoder).
Who gets which code: test_qrcodes_service.py; over HTTP: test_qrcodes_api.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from minirelease.errors import Conflict, ValidationFailed
from minirelease.miniprograms import qrcodes
from minirelease.miniprograms.qrcodes import Kind, QrCode
from tests.miniprograms.qrdecode import decode_png

TEMPLATE = "wallet://mini?appId={app_id}&page={page}&query={query}"
PAGES = ("pages/index/index", "pages/about/about")
REL = "rel_01jzzzzzzzzzzzzzzzzzzzzzzz"


def _code(kind: str = "promo", *, template: str = TEMPLATE, **request: Any) -> QrCode:
    checked = qrcodes.check_request(
        kind=kind,
        page=request.get("page"),
        query=request.get("query"),
        release_id=request.get("release_id"),
    )
    return qrcodes.qrcode(
        checked,
        template=template,
        partner_app="wallet",
        mini_program_id="mp_x",
        app_id="2021000000000001",
        release_id=REL,
        version="1.2.0",
        pages=PAGES,
    )


def _refused(field: str, call: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        call()
    assert refused.value.extra["field"] == field, refused.value.detail
    return refused.value


def _link_query(link: str) -> dict[str, list[str]]:
    """The launch query the deep link carries, decoded as the partner app would."""
    outer = parse_qs(urlsplit(link).query)
    return parse_qs(outer["query"][0]) if "query" in outer else {}


def test_a_promo_link_fills_the_template_with_each_value_encoded_as_one_component() -> None:
    qr = _code(page="pages/about/about", query="from=poster&tag=a b")
    assert qr.deep_link == (
        "wallet://mini?appId=2021000000000001&page=pages%2Fabout%2Fabout"
        "&query=from%3Dposter%26tag%3Da%20b"
    )
    assert _link_query(qr.deep_link) == {"from": ["poster"], "tag": ["a b"]}
    assert (qr.kind, qr.release_id, qr.version, qr.query) == (
        Kind.PROMO,
        REL,
        "1.2.0",
        "from=poster&tag=a b",
    )


def test_without_page_or_query_the_link_opens_the_home_page() -> None:
    assert _code().deep_link == "wallet://mini?appId=2021000000000001&page=&query="


@pytest.mark.parametrize("kind", ["preview", "trial"])
def test_preview_and_trial_links_name_the_release_after_the_callers_query(kind: str) -> None:
    qr = _code(kind, query="a=1")
    inner = urlsplit(qr.deep_link).query.split("&query=")[1]
    assert inner.startswith("a%3D1%26mr_kind%3D")
    assert _link_query(qr.deep_link) == {
        "a": ["1"],
        "mr_kind": [kind],
        "mr_release": [REL],
        "mr_version": ["1.2.0"],
    }
    alone = _code(kind)
    assert _link_query(alone.deep_link)["mr_release"] == [REL]


def test_a_version_with_build_metadata_survives_both_levels_of_encoding() -> None:
    query = qrcodes.launch_query(Kind.TRIAL, None, release_id=REL, version="1.0.0+b.1")
    link = qrcodes.deep_link(TEMPLATE, {"app_id": "1", "page": "", "query": query})
    assert "1.0.0%252Bb.1" in link
    assert _link_query(link)["mr_version"] == ["1.0.0+b.1"]


def test_the_template_outside_placeholders_is_kept_and_non_ascii_is_encoded() -> None:
    template = "https://wället.example/m/{app_id}?p={page}&x=%41"
    link = qrcodes.deep_link(template, {"app_id": "7", "page": "pages/ü"})
    assert link == "https://w%C3%A4llet.example/m/7?p=pages%2F%C3%BC&x=%41"
    assert link.isascii()


def test_page_limits_and_pages_of_the_program() -> None:
    long_page = "p/" + "x" * 255
    error = _refused("page", lambda: _code(page=long_page))
    assert "at most 256" in error.detail
    pages = (*PAGES, "a" * 256)
    checked = qrcodes.check_request(kind="promo", page="a" * 256, query=None, release_id=None)
    assert qrcodes.check_page(checked.page, pages, version="1") == "a" * 256
    error = _refused("page", lambda: _code(page="pages/missing/missing"))
    assert "not a page of version 1.2.0" in error.detail
    assert "pages/index/index" in error.detail
    _refused("page", lambda: _code(page="/pages/index/index"))


def test_version_pages_include_subpackage_pages_under_their_root() -> None:
    app = {"pages": list(PAGES), "subPackages": [{"root": "shop", "pages": ["pages/cart/cart"]}]}
    assert qrcodes.version_pages(app) == (*PAGES, "shop/pages/cart/cart")


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("q=" + "x" * 63, "at most 64"),
        ("a=1\x00", "control characters"),
        ("a=1\u2028", "control characters"),
        ("mr_release=rel_x", "reserved"),
        ("a=1&mr%5Fkind=preview", "reserved"),
    ],
)
def test_bad_queries_are_refused(query: str, why: str) -> None:
    assert why in _refused("query", lambda: _code(query=query)).detail


def test_a_query_of_64_characters_is_fine() -> None:
    query = "q=" + "x" * 62
    assert _link_query(_code(query=query).deep_link) == {"q": ["x" * 62]}


def test_kind_and_format_must_be_known_and_promo_names_no_release() -> None:
    _refused("kind", lambda: _code("poster"))
    _refused("format", lambda: qrcodes.render(_code(), "gif"))
    _refused("release_id", lambda: _code("promo", release_id=REL))


def test_what_the_partner_apps_link_cannot_carry_is_refused() -> None:
    no_query = "wallet://mini?appId={app_id}&page={page}"
    _refused("query", lambda: _code(template=no_query, query="a=1"))
    _refused("page", lambda: _code(template="wallet://{app_id}", page="pages/index/index"))
    assert _code(template=no_query).deep_link.endswith("&page=")
    with pytest.raises(Conflict, match="no \\{query\\}"):
        _code("trial", template=no_query)


def test_the_png_holds_the_deep_link_and_the_svg_is_an_svg() -> None:
    qr = _code("preview", page="pages/about/about", query="from=qr")
    assert decode_png(qrcodes.render(qr, "png")) == [qr.deep_link]
    svg = ET.fromstring(qrcodes.render(qr, qrcodes.ImageFormat.SVG))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert qr.filename(qrcodes.ImageFormat.PNG) == "2021000000000001-wallet-preview.png"
