"""Clean programs, network users and guarded API users included, yield no finding on any
network."""

from __future__ import annotations

import pytest

from tests.compat.runtime.programs import OFFLINE, SLOW_2G, WIFI, smoke

CLEAN = {
    "app.js": "App({\n  globalData: { launches: 0 },\n  onLaunch() {\n"
    "    const seen = my.getStorageSync({ key: 'launches' }).data || 0;\n"
    "    my.setStorageSync({ key: 'launches', data: seen + 1 });\n"
    "    this.globalData.launches = seen + 1;\n  },\n});\n",
    "utils/api.js": "exports.get = (url) => new Promise((resolve) => my.request({\n"
    "  url, success: (res) => resolve(res.data), fail: () => resolve(null),\n}));\n",
    "pages/index/index.js": "const api = require('../../utils/api');\n"
    "Page({\n  data: { feed: null, ready: false },\n"
    "  async onLoad() {\n    const feed = await api.get('https://api.example.com/feed');\n"
    "    this.setData({ feed, 'meta.loaded': true });\n  },\n"
    "  onShow() { setTimeout(() => this.setData({ ready: true }), 200); },\n"
    "  onReady() {\n    if (my.canIUse('scanCode')) my.scanCode({});\n"
    "    my.request({ url: 'https://api.example.com/ping' })\n"
    "      .then((res) => res.status)\n      .catch(() => 0);\n"
    "    getApp().globalData.page = getCurrentPages().length;\n  },\n});\n",
    "sub/pages/about/about.js": "Page({ onLoad() {\n"
    "  my.showToast({ content: 'hi', complete: () => {} });\n"
    "  const id = setInterval(() => clearInterval(id), 1000);\n} });\n",
}


@pytest.mark.parametrize("network", [WIFI, SLOW_2G, OFFLINE], ids=lambda n: n["name"])
def test_clean_program_has_no_findings(network: dict[str, object]) -> None:
    assert smoke(CLEAN, pages=("pages/index/index", "sub/pages/about/about"), network=network) == []


def test_polling_beyond_start_up_is_not_a_fault() -> None:
    scripts = {
        "app.js": "App({ onLaunch() {\n"
        "  setInterval(() => my.getStorageSync({ key: 'x' }), 16);\n} });\n"
    }
    assert smoke(scripts, pages=()) == []


def test_slow_network_answers_later_on_the_virtual_clock() -> None:
    # A 2 KB answer over 50 kbps with 800 ms round trip takes about 1.1 s: a 500 ms timeout
    # fails it (the program crashes in fail), a 5 s one does not.
    script = (
        "App({ onLaunch() { my.request({ url: 'https://a.example.com', timeout: %d,\n"
        "  fail: (e) => { throw new Error('timed out ' + e.error); } }); } });\n"
    )
    assert smoke({"app.js": script % 5000}, pages=(), network=SLOW_2G) == []
    findings = smoke({"app.js": script % 500}, pages=(), network=SLOW_2G)
    assert [(f.rule, f.line) for f in findings] == [("runtime-exception", 2)]
    assert "timed out 13" in findings[0].message
