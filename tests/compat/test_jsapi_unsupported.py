"""jsapi-unsupported: my.* calls a partner app does not offer, unless guarded by my.canIUse.
The lean wallet offers neither my.scan nor my.getLocation; the wallet lacks my.ap.*."""

from __future__ import annotations

import pytest

from minirelease.compat.model import JSAPI_UNSUPPORTED
from minirelease.partners.defaults import shipped_profile
from tests.compat.programs import assert_only, check, findings, program

LEAN = shipped_profile("lean_wallet")


def _page(body: str) -> dict[str, bytes]:
    return program({"pages/index/index.js": "Page({\n  onLoad() {\n" + body + "  },\n});\n"})


def test_an_unguarded_call_in_a_page() -> None:
    result = check(_page("    my.scan({ type: 'qr' });\n"), profile=LEAN, partner_app="lean")
    found = assert_only(result, JSAPI_UNSUPPORTED, "pages/index/index.js", 3, 5)
    assert "my.scan is not offered by partner app 'lean'" in found.finding.message
    assert "my.canIUse('scan')" in found.finding.message


def test_a_dotted_api_in_app_js() -> None:
    files = program({"app.js": "App({\n  onLaunch() { my.ap.navigateToAlipayPage({}); },\n});\n"})
    found = assert_only(check(files), JSAPI_UNSUPPORTED, "app.js", 2, 16)
    assert found.finding.message.startswith("my.ap.navigateToAlipayPage ")


def test_a_call_in_the_else_branch_of_its_guard() -> None:
    body = (
        "    if (my.canIUse('scan')) {\n      my.scan();\n    } else {\n      my.scan();\n    }\n"
    )
    assert_only(check(_page(body), profile=LEAN), JSAPI_UNSUPPORTED, "pages/index/index.js", 6, 7)


def test_a_guard_for_another_api_does_not_count() -> None:
    body = "    if (my.canIUse('getLocation')) my.scan();\n"
    assert_only(check(_page(body), profile=LEAN), JSAPI_UNSUPPORTED, "pages/index/index.js", 3, 36)


def test_an_or_guard_proves_nothing() -> None:
    body = "    const ok = this.ready || my.canIUse('scan');\n    ok && my.scan();\n"
    assert_only(check(_page(body), profile=LEAN), JSAPI_UNSUPPORTED, "pages/index/index.js", 4, 11)


def test_a_call_after_an_early_exit_that_can_fall_through() -> None:
    body = "    if (!my.canIUse('scan')) { console.log('no scan'); }\n    my.scan();\n"
    assert_only(check(_page(body), profile=LEAN), JSAPI_UNSUPPORTED, "pages/index/index.js", 4, 5)


def test_a_call_in_a_component_file_and_a_subscript() -> None:
    files = program(
        {
            "components/qr/qr.js": "Component({\n  didMount() { my['scan'](); },\n});\n",
            "pages/index/index.json": '{"usingComponents": {"qr": "/components/qr/qr"}}',
        }
    )
    assert_only(check(files, profile=LEAN), JSAPI_UNSUPPORTED, "components/qr/qr.js", 2, 16)


@pytest.mark.parametrize(
    "body",
    [
        "    if (my.canIUse('scan')) { my.scan(); }\n",
        "    if (my.canIUse('scan') && ready) my.scan();\n",
        "    if (!my.canIUse('scan')) { log(); } else { my.scan(); }\n",
        "    if (!(my.canIUse('scan'))) return;\n    my.scan();\n",
        "    if (!my.canIUse('scan')) { toast(); return; }\n    if (x) later(() => my.scan());\n",
        "    if (!my.canIUse('scan')) throw new Error('no scan');\n    my.scan();\n",
        "    my.canIUse('scan') && my.scan();\n",
        "    !my.canIUse('scan') || my.scan();\n",
        "    const r = my.canIUse('scan') ? my.scan() : null;\n",
        "    const r = !my.canIUse('scan') ? null : my['scan']();\n",
        "    if (my.canIUse('getLocation.object.type')) my.getLocation({ type: 1 });\n",
        "    if (my.canIUse('my.scan')) my.scan();\n",
        "    if (a) {} else if (my.canIUse('scan')) { my.scan(); }\n",
        "    my.canIUse('scan') && my.canIUse('getLocation') && (my.scan(), my.getLocation());\n",
        "    my.getSystemInfo({ success: () => my.showToast({ content: 'ok' }) });\n",
        "    my.createSelectorQuery().select('#a').boundingClientRect().exec();\n",
    ],
)
def test_guarded_and_offered_calls_are_not_findings(body: str) -> None:
    assert findings(check(_page(body), profile=LEAN), JSAPI_UNSUPPORTED) == []


def test_a_guarded_dotted_api() -> None:
    body = "    my.canIUse('ap.navigateToAlipayPage') && my.ap.navigateToAlipayPage({});\n"
    assert findings(check(_page(body)), JSAPI_UNSUPPORTED) == []


def test_one_finding_per_missing_api_naming_every_place() -> None:
    alert = "    my.scan({ type: 'qr' });\n"
    files = program(
        {
            "pages/index/index.js": "Page({\n  onLoad() {\n" + alert * 2 + "  },\n});\n",
            "pages/detail/detail.js": "Page({\n  onShow() {\n" + alert + "  },\n});\n",
            "utils/ui.js": "export function scanCode() {\n" + alert * 4 + "}\n",
            "components/qr/qr.js": "Component({\n  didMount() {\n" + alert + "  },\n});\n",
            "pages/index/index.json": '{"usingComponents": {"qr": "/components/qr/qr"}}',
            "app.js": "import { scanCode } from './utils/ui';\nApp({});\n",
        }
    )
    result = check(files, profile=LEAN, partner_app="lean")
    found = assert_only(result, JSAPI_UNSUPPORTED, "components/qr/qr.js", 3, 5)
    assert found.finding.message == (
        "my.scan is not offered by partner app 'lean' (8 places: components/qr/qr.js:3, "
        "pages/detail/detail.js:3, pages/index/index.js:3, pages/index/index.js:4, "
        "utils/ui.js:2 and 3 more); call it only under my.canIUse('scan')"
    )


def test_each_missing_api_is_its_own_finding() -> None:
    body = "    my.scan();\n    my.getLocation({});\n    my.scan();\n"
    found = findings(check(_page(body), profile=LEAN, partner_app="lean"), JSAPI_UNSUPPORTED)
    assert [(f.finding.line, f.finding.message.split(" (")[0]) for f in found] == [
        (3, "my.scan is not offered by partner app 'lean'"),
        (
            4,
            "my.getLocation is not offered by partner app 'lean';"
            " call it only under my.canIUse('getLocation')",
        ),
    ]
    assert "(2 places: pages/index/index.js:3, pages/index/index.js:5)" in found[0].finding.message
