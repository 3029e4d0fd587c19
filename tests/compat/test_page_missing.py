"""page-missing: navigation targets in my.navigateTo & co. and <navigator url> that name no
page of the package."""

from __future__ import annotations

from minirelease.compat.model import PAGE_MISSING
from tests.compat.programs import assert_only, check, findings, program


def test_relative_navigate_to_with_a_typo() -> None:
    files = program(
        {
            "pages/index/index.js": """
                Page({
                  onTap() {
                    my.navigateTo({ url: '../detial/detail?id=1' });
                  },
                });
            """
        }
    )
    found = assert_only(check(files), PAGE_MISSING, "pages/index/index.js", 3, 26)
    assert "'pages/detial/detail'" in found.finding.message


def test_navigator_to_an_absolute_path_that_is_no_page() -> None:
    files = program(
        {
            "pages/detail/detail.axml": """
                <view>
                  <navigator url="/pages/cart/cart?from=detail">Cart</navigator>
                </view>
            """
        }
    )
    assert_only(check(files), PAGE_MISSING, "pages/detail/detail.axml", 2, 18)


def test_template_string_with_a_static_path() -> None:
    files = program(
        {
            "pages/index/index.js": """
                Page({
                  open(id) {
                    my.redirectTo({ url: `/pages/product/product?id=${id}` });
                  },
                });
            """
        }
    )
    assert_only(check(files), PAGE_MISSING, "pages/index/index.js", 3, 26)


def test_switch_tab_to_a_page_missing_from_a_subpackage() -> None:
    files = program(
        {
            "pages/index/index.js": """
                Page({
                  onLoad() {
                    my.switchTab({ url: '/shop/pages/item/item' });
                    my.reLaunch({ url: '/shop/pages/list/list' });
                  },
                });
            """
        },
        subpackages={"shop": ["pages/item/item"]},
    )
    assert_only(check(files), PAGE_MISSING, "pages/index/index.js", 4, 24)


def test_switch_tab_paths_start_at_the_package_root_with_or_without_a_slash() -> None:
    # From a page two folders deep, 'pages/index/index' is still the home tab.
    files = program(
        {
            "pages/shop/cart/cart.js": """
                Page({
                  keepShopping() {
                    my.switchTab({ url: 'pages/index/index' });
                  },
                  openOrders() {
                    my.switchTab({ url: 'pages/orders/orders' });
                  },
                });
            """
        },
        pages=["pages/index/index", "pages/shop/cart/cart"],
    )
    found = assert_only(check(files), PAGE_MISSING, "pages/shop/cart/cart.js", 6, 25)
    assert "'pages/orders/orders'" in found.finding.message


def test_a_relative_path_climbing_out_of_the_package() -> None:
    files = program(
        {
            "pages/detail/detail.axml": """
                <navigator url="../../../index/index">Home</navigator>
            """
        }
    )
    found = assert_only(check(files), PAGE_MISSING, "pages/detail/detail.axml", 1, 16)
    assert "leads outside the package" in found.finding.message


def test_navigations_that_reach_real_pages_or_are_computed_are_not_findings() -> None:
    files = program(
        {
            "pages/index/index.js": """
                Page({
                  onTap(id, name) {
                    my.navigateTo({ url: '../detail/detail?id=' + id });
                    my.navigateTo({ url: 'sub/page?x=1'.length ? '/pages/detail/detail' : '' });
                    my.navigateTo({ url: `../detail/detail` });
                    my.redirectTo({ url: '/pages/' + name + '/index' });
                    my.reLaunch({ url: `/pages/${name}/index` });
                    my.switchTab({ url: '/shop/pages/item/item' });
                    my.navigateTo({ 'url': "./index" });
                    my.navigateBack({ url: '/nowhere' });
                  },
                });
            """,
            "pages/index/index.axml": """
                <view>
                  <navigator url="/pages/detail/detail?id={{id}}">Detail</navigator>
                  <navigator url="{{next}}">Next</navigator>
                  <navigator url="/pages/{{name}}/index">Computed</navigator>
                  <navigator open-type="navigateBack" url="/nowhere">Back</navigator>
                </view>
            """,
            # Relative URLs outside a page's own files resolve against the page on screen.
            "components/card/card.js": """
                Component({ methods: { go() { my.navigateTo({ url: '../detail/detail' }); } } });
            """,
        },
        subpackages={"shop": ["pages/item/item"]},
    )
    assert findings(check(files), PAGE_MISSING) == []
