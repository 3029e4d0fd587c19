"""Planted faults, at least two per runtime rule id, found with the right rule, file, line."""

from __future__ import annotations

from tests.compat.runtime.programs import OFFLINE, smoke, where


def test_throw_in_on_launch_is_a_runtime_exception_at_its_line() -> None:
    findings = smoke({"app.js": "App({\n  onLaunch() {\n    null.start();\n  },\n});\n"})
    assert where(findings) == [("runtime-exception", "app.js", 3)]
    assert "TypeError" in findings[0].message and "onLaunch" in findings[0].message


def test_throw_in_on_load_via_a_required_module_names_the_module() -> None:
    findings = smoke(
        {
            "utils/format.js": "exports.price = function (value) {\n"
            "  if (value == null) throw new Error('no price');\n"
            "  return value.toFixed(2);\n};\n",
            "pages/index/index.js": "const format = require('../../utils/format');\n"
            "Page({ onLoad() { this.setData({ price: format.price(undefined) }); } });\n",
        }
    )
    assert where(findings) == [("runtime-exception", "utils/format.js", 2)]
    assert "Error: no price" in findings[0].message


def test_throw_in_a_subpackage_page_on_ready() -> None:
    findings = smoke(
        {"shop/pages/cart/cart.js": "Page({\n  onReady() { undefinedFunction(); },\n});\n"},
        pages=("pages/index/index", "shop/pages/cart/cart"),
    )
    assert where(findings) == [("runtime-exception", "shop/pages/cart/cart.js", 2)]


def test_rejected_promise_without_catch() -> None:
    findings = smoke(
        {
            "pages/index/index.js": "Page({\n  onLoad() {\n"
            "    Promise.reject(new Error('config missing'));\n  },\n});\n"
        }
    )
    assert where(findings) == [("unhandled-rejection", "pages/index/index.js", 3)]


def test_async_function_called_without_await_rejects_unhandled() -> None:
    findings = smoke(
        {
            "app.js": "async function warmUp() {\n  await null;\n"
            "  throw new RangeError('cache broken');\n}\n"
            "App({ onLaunch() { warmUp(); } });\n"
        }
    )
    assert where(findings) == [("unhandled-rejection", "app.js", 3)]
    assert "RangeError: cache broken" in findings[0].message


def test_then_without_catch_after_a_timer() -> None:
    findings = smoke(
        {
            "pages/index/index.js": "Page({ onShow() {\n  setTimeout(() => {\n"
            "    new Promise((_, reject) => reject(new Error('late')))\n"
            "      .then(() => 1);\n  }, 500);\n} });\n"
        }
    )
    assert where(findings) == [("unhandled-rejection", "pages/index/index.js", 3)]


def test_infinite_loop_in_on_launch_is_cut_off() -> None:
    findings = smoke({"app.js": "App({ onLaunch() { while (true) {} } });\n"}, step_budget_ms=300)
    assert where(findings) == [("startup-timeout", "app.js", 1)]
    assert findings[0].message.endswith("App onLaunch was still running, in the loop at app.js:1")


def test_endless_zero_delay_timers_in_a_page_are_cut_off() -> None:
    findings = smoke(
        {
            "pages/index/index.js": "function spin() { for (let i = 0; i < 1e3; i++); "
            "setTimeout(spin, 0); }\nPage({ onReady() { spin(); } });\n"
        },
        step_budget_ms=300,
    )
    # The timers, not the finite loop in them, keep the step from ending.
    assert where(findings) == [("startup-timeout", "pages/index/index.js", None)]
    assert findings[0].message.endswith(
        "Page pages/index/index onReady was still running, in timers it had set"
    )


def test_crash_only_when_the_request_fails_offline() -> None:
    scripts = {
        "pages/index/index.js": "Page({\n  onLoad() {\n    my.request({\n"
        "      url: 'https://api.example.com/feed',\n"
        "      success: (res) => this.setData({ feed: res.data }),\n"
        "      fail: (err) => { throw new Error('feed failed: ' + err.errorMessage); },\n"
        "    });\n  },\n});\n"
    }
    assert smoke(scripts) == []
    findings = smoke(scripts, network=OFFLINE)
    assert where(findings) == [("offline-crash", "pages/index/index.js", 6)]
    assert "network error" in findings[0].message


def test_awaited_request_offline_rejects_only_offline() -> None:
    scripts = {
        "app.js": "App({\n  async onLaunch() {\n"
        "    const res = await my.request({ url: 'https://api.example.com/me' });\n"
        "    this.globalData.user = res.data;\n  },\n  globalData: {},\n});\n"
    }
    assert smoke(scripts) == []
    assert where(smoke(scripts, network=OFFLINE)) == [("offline-crash", "app.js", 2)]


def test_a_crash_on_every_network_is_not_an_offline_crash() -> None:
    scripts = {"app.js": "App({ onLaunch() {\n  throw new Error('always');\n} });\n"}
    assert where(smoke(scripts, network=OFFLINE)) == [("runtime-exception", "app.js", 2)]


def test_unguarded_unsupported_api_at_its_call_site() -> None:
    findings = smoke(
        {
            "pages/index/index.js": "Page({\n  onLoad() {\n"
            "    my.scanCode({ type: 'qr' });\n  },\n});\n"
        }
    )
    assert where(findings) == [("jsapi-unsupported", "pages/index/index.js", 3)]
    assert "my.scanCode" in findings[0].message


def test_unsupported_nested_api_in_a_required_module() -> None:
    findings = smoke(
        {
            "utils/pay.js": "module.exports = () =>\n  my.tradePay({ tradeNO: '1' });\n",
            "app.js": "const pay = require('./utils/pay.js');\nApp({ onShow() { pay(); } });\n",
        },
        pages=(),
    )
    assert where(findings) == [("jsapi-unsupported", "utils/pay.js", 2)]


def test_guarded_unsupported_api_is_not_called() -> None:
    scripts = {
        "pages/index/index.js": "Page({ onLoad() {\n"
        "  if (my.canIUse('scanCode')) { my.scanCode({}); }\n"
        "  if (my.canIUse('request')) { my.request({ url: 'https://a.example.com' }); }\n} });\n"
    }
    assert smoke(scripts) == []
    assert where(smoke(scripts, jsapis=frozenset({"my.scanCode"}))) == []
