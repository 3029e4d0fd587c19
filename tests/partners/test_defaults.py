"""The shipped capability profiles: three distinct kinds of host, smaller ones inside
larger ones, and copies that callers may change freely."""

from __future__ import annotations

import pytest

from minirelease.partners.defaults import SHIPPED_PROFILES, shipped_profile


def test_three_kinds_from_full_to_lean() -> None:
    full, mid, lean = (shipped_profile(k) for k in ("super_app", "wallet", "lean_wallet"))
    for smaller, larger in ((lean, mid), (mid, full)):
        assert set(smaller["jsapis"]) < set(larger["jsapis"])
        assert set(smaller["components"]) < set(larger["components"])
    assert min(int(v) for v in lean["os_versions"]["android"]) > min(
        int(v) for v in full["os_versions"]["android"]
    )
    assert min(int(v) for v in lean["os_versions"]["ios"]) > min(
        int(v) for v in full["os_versions"]["ios"]
    )


def test_the_super_app_offers_the_common_alipay_capabilities() -> None:
    full = shipped_profile("super_app")
    for jsapi in (
        "my.request",
        "my.navigateTo",
        "my.tradePay",
        "my.getAuthCode",
        "my.scan",
        "my.connectSocket",
        "my.ap.navigateToAlipayPage",
    ):
        assert jsapi in full["jsapis"]
    for component in ("view", "scroll-view", "swiper-item", "web-view", "map", "canvas", "video"):
        assert component in full["components"]
    assert full["os_versions"] == {
        "android": [str(v) for v in range(7, 16)],
        "ios": [str(v) for v in range(12, 19)],
    }


def test_the_lean_wallet_lacks_heavy_components_and_device_apis() -> None:
    lean = shipped_profile("lean_wallet")
    assert not {"map", "canvas", "video", "web-view"} & set(lean["components"])
    assert not {"my.getLocation", "my.scan", "my.connectSocket"} & set(lean["jsapis"])


def test_shipped_profile_returns_an_independent_copy() -> None:
    copy = shipped_profile("wallet")
    copy["jsapis"].clear()
    copy["os_versions"]["ios"].append("99")
    assert SHIPPED_PROFILES["wallet"]["jsapis"]
    assert "99" not in shipped_profile("wallet")["os_versions"]["ios"]


def test_unknown_kind_names_the_choices() -> None:
    with pytest.raises(KeyError, match="super_app, wallet, lean_wallet"):
        shipped_profile("desktop")
