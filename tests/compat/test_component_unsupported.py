"""component-unsupported: AXML elements the partner app does not offer, other than template
language constructs and custom components declared in usingComponents."""

from __future__ import annotations

import json

from minirelease.compat.model import COMPONENT_UNSUPPORTED
from minirelease.partners.defaults import shipped_profile
from tests.compat.programs import assert_only, check, findings, program


def test_a_map_on_a_wallet() -> None:
    files = program(
        {
            "pages/index/index.axml": """
                <view class="store">
                  <text>Find us</text>
                  <map longitude="{{lng}}" latitude="{{lat}}" a:if="{{lat > 0 && lng < 180}}"/>
                </view>
            """
        }
    )
    found = assert_only(check(files), COMPONENT_UNSUPPORTED, "pages/index/index.axml", 3, 3)
    assert found.finding.message.startswith("<map> is not a component of partner app 'wallet'")


def test_a_web_view_on_the_lean_wallet() -> None:
    files = program({"pages/detail/detail.axml": '<web-view src="https://h5.shop.example/"/>\n'})
    result = check(files, profile=shipped_profile("lean_wallet"))
    assert_only(result, COMPONENT_UNSUPPORTED, "pages/detail/detail.axml", 1, 1)


def test_an_undeclared_custom_component() -> None:
    files = program(
        {
            "pages/index/index.axml": """
                <view>
                  <user-card user="{{user}}" />
                </view>
            """,
            "pages/index/index.json": json.dumps({"usingComponents": {"user-badge": "/c/b/b"}}),
            "c/b/b.axml": "<text>{{level}}</text>\n",
        }
    )
    assert_only(check(files), COMPONENT_UNSUPPORTED, "pages/index/index.axml", 2, 3)


def test_a_component_in_a_template_fragment_after_non_ascii_text() -> None:
    files = program(
        {
            "templates/row.axml": '<template name="row"><text>价格</text><video/></template>\n',
            "pages/index/index.axml": '<import src="/templates/row.axml"/>\n<view/>\n',
        }
    )
    assert_only(check(files), COMPONENT_UNSUPPORTED, "templates/row.axml", 1, 37)


def test_language_constructs_and_declared_components_are_not_findings() -> None:
    files = program(
        {
            "pages/index/index.axml": """
                <import src="/templates/row.axml"/>
                <import-sjs name="fmt" from="./fmt.sjs"/>
                <include src="./header.axml"/>
                <view a:for="{{items}}" a:key="id">
                  <block a:if="{{item.price < 10}}">
                    <template is="row" data="{{...item}}"/>
                  </block>
                  <user-card user="{{item.owner}}"><slot name="extra"/></user-card>
                  <app-footer/>
                </view>
                <!-- <map/> is commented out -->
            """,
            "pages/index/index.json": json.dumps({"usingComponents": {"user-card": "/c/u/u"}}),
            "pages/index/header.axml": "<view><user-card/></view>\n",
            "templates/row.axml": '<template name="row"><text>{{name}}</text></template>\n',
            "c/u/u.axml": '<view><avatar-img src="{{src}}"/></view>\n',
            "c/u/u.json": json.dumps(
                {"component": True, "usingComponents": {"avatar-img": "../a"}}
            ),
            "c/a.axml": "<image src='{{src}}'/>\n",
            "c/a.json": json.dumps({"component": True}),
            "c/f/f.axml": "<view>footer</view>\n",
        },
        app_json={"usingComponents": {"app-footer": "/c/f/f"}},
    )
    assert findings(check(files), COMPONENT_UNSUPPORTED) == []


def test_a_declared_component_missing_from_the_package_is_found_in_its_config() -> None:
    # The npm UI library was never shipped, and a local path has a typo; a plugin's
    # component and a component that exists are fine.
    files = program(
        {
            "pages/index/index.json": json.dumps(
                {
                    "usingComponents": {
                        "search-bar": "mini-ali-ui/es/search-bar/index",
                        "card": "/components/crad/card",
                        "price": "/components/price/price",
                        "pay": "plugin://payments/pay-button",
                    }
                },
                indent=2,
            ),
            "components/price/price.axml": "<text>{{value}}</text>\n",
            "components/price/price.js": "Component({});\n",
            "pages/index/index.axml": "<search-bar/><card/><price/><pay/>\n",
        }
    )
    found = findings(check(files), COMPONENT_UNSUPPORTED)
    assert [(f.finding.file, f.finding.line) for f in found] == [
        ("pages/index/index.json", 3),
        ("pages/index/index.json", 4),
    ]
    assert "'mini-ali-ui/es/search-bar/index', which is not in the package" in str(
        [f.finding.message for f in found]
    )
    assert "ship the npm package" in found[0].finding.message
    assert "fix the path" in found[1].finding.message
