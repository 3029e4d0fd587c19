"""A small but real mini program (two pages, one subpackage) the demo uploads."""

from __future__ import annotations

import io
import json
import zipfile

APP_JSON = {
    "pages": ["pages/index/index", "pages/menu/menu"],
    "subPackages": [{"root": "orders", "pages": ["pages/history/history"]}],
    "window": {"defaultTitle": "Coffee Order"},
}

FILES: dict[str, str] = {
    "app.json": json.dumps(APP_JSON, indent=2),
    "app.js": "App({\n  onLaunch() {\n    this.globalData = { cart: [] };\n  },\n});\n",
    "app.acss": "page { background: #faf7f2; }\n",
    "pages/index/index.axml": (
        '<view class="hero">\n  <text>Good morning</text>\n'
        '  <navigator url="/pages/menu/menu">See the menu</navigator>\n</view>\n'
    ),
    "pages/index/index.js": (
        "Page({\n  onLoad() {\n    my.request({\n"
        "      url: 'https://api.coffee.example.com/v1/shops',\n"
        "      success: (res) => this.setData({ shops: res.data }),\n    });\n  },\n});\n"
    ),
    "pages/index/index.acss": ".hero { padding: 24rpx; }\n",
    "pages/menu/menu.axml": '<view a:for="{{items}}"><text>{{item.name}}</text></view>\n',
    "pages/menu/menu.js": (
        "Page({\n  data: { items: [{ name: 'Flat white' }, { name: 'Latte' }] },\n});\n"
    ),
    "orders/pages/history/history.axml": "<view><text>Your orders</text></view>\n",
    "orders/pages/history/history.js": (
        "Page({\n  onShow() {\n    my.getStorage({ key: 'orders' });\n  },\n});\n"
    ),
}


def build_zip(version: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(FILES.items()):
            if name == "pages/index/index.axml":
                text = text.replace("Good morning", f"Good morning (v{version})")
            archive.writestr(name, text)
    return buffer.getvalue()
