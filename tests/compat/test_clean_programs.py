"""Programs written the way a careful developer writes them yield no finding at all, on every
shipped partner app profile."""

from __future__ import annotations

import json

import pytest

from minirelease.partners.defaults import SHIPPED_PROFILES, shipped_profile
from tests.compat.programs import check, findings, program

SHOP = program(
    {
        "app.js": """
            App({
              onLaunch() {
                if (!my.canIUse('getUpdateManager')) {
                  return;
                }
                const manager = my.getUpdateManager();
                manager.onUpdateReady(() => my.reLaunch({ url: '/pages/index/index' }));
              },
            });
        """,
        "pages/index/index.js": """
            const api = 'https://api.shop.example';
            Page({
              data: { items: [] },
              onLoad() {
                my.showLoading({ content: 'Loading…' });
                my.request({
                  url: `https://api.shop.example/items?page=${1}`,
                  success: (res) => this.setData({ items: res.data }),
                  complete: () => my.hideLoading(),
                });
              },
              open(item) {
                my.navigateTo({ url: '../detail/detail?id=' + item.id });
              },
              scan() {
                if (my.canIUse('scan')) {
                  my.scan({ success: (r) => this.open({ id: r.code }) });
                } else {
                  my.showToast({ content: 'Type the code instead' });
                }
              },
              shop() {
                my.navigateTo({ url: '/shop/pages/cart/cart' });
              },
            });
        """,
        "pages/index/index.axml": """
            <import src="/templates/price.axml"/>
            <view class="list">
              <block a:for="{{items}}" a:key="id">
                <product-card item="{{item}}" onTap="open" />
                <template is="price" data="{{value: item.price, cheap: item.price < 10}}"/>
              </block>
              <navigator url="/pages/detail/detail?id={{items[0].id}}">First</navigator>
              <button onTap="scan">Scan</button>
            </view>
        """,
        "pages/index/index.json": json.dumps(
            {"usingComponents": {"product-card": "/components/card/card"}}
        ),
        "pages/detail/detail.js": """
            Page({
              onLoad(query) {
                if (my.canIUse('downloadFile')) {
                  my.downloadFile({
                    url: 'https://img.cdn.example.com/p/' + query.id + '.png',
                    success: (res) => this.setData({ image: res.tempFilePath }),
                  });
                }
                my.canIUse('setClipboard') && my.setClipboard({ text: query.id });
              },
            });
        """,
        "pages/detail/detail.axml": """
            <view>
              <text>Detail</text>
              <navigator open-type="navigateBack">Back</navigator>
              <navigator url="../index/index">Home</navigator>
            </view>
        """,
        "templates/price.axml": """
            <template name="price">
              <text class="{{cheap ? 'cheap' : ''}}">¥{{value}}</text>
            </template>
        """,
        "components/card/card.js": """
            Component({ methods: { onTap() { this.props.onTap(this.props.item); } } });
        """,
        "components/card/card.axml": """
            <view onTap="onTap"><image src="{{item.image}}"/><text>{{item.name}}</text></view>
        """,
        "components/card/card.json": json.dumps({"component": True}),
        "shop/pages/cart/cart.js": """
            Page({
              pay(order) {
                const done = () => my.redirectTo({ url: '../done/done' });
                my.tradePay({ tradeNO: order.no, success: done });
              },
            });
        """,
        "shop/pages/cart/cart.axml": "<view><button onTap='pay'>Pay</button></view>\n",
    },
    subpackages={"shop": ["pages/cart/cart", "pages/done/done"]},
)

NEWS = program(
    {
        "pages/index/index.js": """
            Page({
              onShow() {
                const socket = my.canIUse('connectSocket')
                  ? my.connectSocket({ url: 'wss://live.cdn.example.com/news' })
                  : null;
                if (my.canIUse('ap.navigateToAlipayPage') && this.data.promo) {
                  my.ap.navigateToAlipayPage({ path: 'promo' });
                }
                my.switchTab({ url: '/pages/detail/detail' });
              },
            });
        """,
        "pages/index/index.axml": """
            <scroll-view scroll-y="{{true}}">
              <swiper><swiper-item><image src="/a.png"/></swiper-item></swiper>
              <form onSubmit="save"><input name="q"/><label>q</label></form>
            </scroll-view>
        """,
    }
)

H5 = program(
    {
        "pages/detail/detail.axml": """
            <view>
              <web-view a:if="{{ready}}" src="https://faq.help.example.org/start?from=mini"/>
            </view>
        """,
        "pages/index/index.js": """
            Page({
              onLoad() {
                my.navigateTo({ url: 'pages/detail/detail'.replace('x', 'y') });
              },
            });
        """,
    }
)


@pytest.mark.parametrize("kind", sorted(SHIPPED_PROFILES))
@pytest.mark.parametrize("files", [SHOP, NEWS], ids=["shop", "news"])
def test_clean_programs_have_no_findings(files: dict[str, bytes], kind: str) -> None:
    result = check(files, profile=shipped_profile(kind), partner_app=kind.replace("_", "-"))
    assert findings(result) == []
    assert result.report["summary"]["status"] == "pass"


@pytest.mark.parametrize("kind", ["wallet", "super_app"])
def test_a_web_view_program_is_clean_where_web_view_exists(kind: str) -> None:
    assert findings(check(H5, profile=shipped_profile(kind))) == []
