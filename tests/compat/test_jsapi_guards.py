"""jsapi-unsupported guard forms beyond my.canIUse: tests that the API exists, the optional
call, and names the program defines on ``my`` itself (in another file than the call). The
lean wallet offers neither my.scan nor my.ap.*; static rules only (no engine run)."""

from __future__ import annotations

import pytest

from minirelease.compat.model import JSAPI_UNSUPPORTED
from tests.compat.programs import program
from tests.compat.static_checks import static_findings


def _page(body: str, **files: str) -> dict[str, bytes]:
    page = "Page({\n  onLoad(query) {\n" + body + "  },\n});\n"
    return program({"pages/index/index.js": page, **files})


@pytest.mark.parametrize(
    "body",
    [
        "    if (my.scan) { my.scan(); }\n",
        "    if (my['scan']) my.scan();\n",
        "    if (!my.scan) return;\n    my.scan();\n",
        "    if (!my.scan) { my.alert({ content: 'update' }); return; }\n    my.scan();\n",
        "    if (typeof my.scan === 'function') my.scan();\n",
        "    if ('function' == typeof my.scan) { my.scan(); }\n",
        "    if (typeof my.scan !== 'undefined') my.scan();\n",
        "    if (typeof my.scan === 'undefined') return;\n    my.scan();\n",
        "    if (typeof my.scan != 'function') { return; }\n    my.scan();\n",
        "    if (my.scan != null) my.scan();\n",
        "    if (my.scan !== undefined && query.id) my.scan();\n",
        "    if (my.scan == null) throw new Error('no scan');\n    my.scan();\n",
        "    if ('scan' in my) my.scan();\n",
        "    my.scan && my.scan({ type: 'qr' });\n",
        "    !my.scan || my.scan();\n",
        "    const done = my.scan ? my.scan() : null;\n",
        "    my.scan?.({ type: 'qr' });\n",
        "    my.ap?.navigateToAlipayPage?.({ path: 'x' });\n",
        "    if (my.ap && my.ap.navigateToAlipayPage) my.ap.navigateToAlipayPage({});\n",
        "    if (my.canIUse('scan')) my.scan();\n",
        "    if (my.canIUse('ap.navigateToAlipayPage')) my.ap.navigateToAlipayPage({});\n",
    ],
)
def test_a_guarded_call_is_not_a_finding(body: str) -> None:
    assert static_findings(_page(body), JSAPI_UNSUPPORTED) == []


@pytest.mark.parametrize(
    ("body", "api", "line"),
    [
        ("    my.scan();\n", "my.scan", 3),
        ("    if (my.scan) {}\n    my.scan();\n", "my.scan", 4),
        ("    if (!my.scan) { console.log('no scan'); }\n    my.scan();\n", "my.scan", 4),
        ("    if (typeof my.scan === 'object') my.scan();\n", "my.scan", 3),
        ("    if (typeof my.scan === 'undefined') my.scan();\n", "my.scan", 3),
        ("    if (my.scan !== null) my.scan();\n", "my.scan", 3),
        ("    if ('scan' in query) my.scan();\n", "my.scan", 3),
        ("    my.scan || my.scan();\n", "my.scan", 3),
        ("    const done = my.scan ? null : my.scan();\n", "my.scan", 3),
        ("    if (my.getLocation) my.scan();\n", "my.scan", 3),
        ("    my?.scan();\n", "my.scan", 3),
        ("    my.ap?.navigateToAlipayPage({});\n", "my.ap.navigateToAlipayPage", 3),
        ("    if (my.ap) my.ap.navigateToAlipayPage({});\n", "my.ap.navigateToAlipayPage", 3),
    ],
)
def test_the_same_call_unguarded_is_a_finding(body: str, api: str, line: int) -> None:
    [found] = static_findings(_page(body), JSAPI_UNSUPPORTED)
    assert (found.file, found.line) == ("pages/index/index.js", line)
    assert found.message.startswith(f"{api} is not offered by partner app 'lean';")


@pytest.mark.parametrize(
    "definition",
    [
        "my.fncontext = createContext();\n",
        "my['fncontext'] = createContext();\n",
        "my.fncontext.callFunction = (options) => request(options);\n",
        "Object.assign(my, { fncontext });\n",
        "Object.assign(my, { fncontext: createContext(), toast() {} });\n",
        "Object.defineProperty(my, 'fncontext', { value: createContext() });\n",
    ],
)
def test_names_the_program_defines_in_app_js_are_not_host_apis(definition: str) -> None:
    app_js = (
        "const fncontext = createContext();\n"
        "function createContext() { return { callFunction() {} }; }\n"
        + definition
        + "App({\n  onLaunch() {},\n});\n"
    )
    body = "    my.fncontext.callFunction({ name: 'list' });\n    my.scan();\n"
    found = static_findings(_page(body, **{"app.js": app_js}), JSAPI_UNSUPPORTED)
    # The program's own name is no finding; a host API beside it still is.
    assert [(f.file, f.line, f.message.split(" ")[0]) for f in found] == [
        ("pages/index/index.js", 4, "my.scan")
    ]


def test_defining_a_member_does_not_define_its_siblings() -> None:
    files = _page(
        "    my.ap.openPolyfill();\n    my.ap.navigateToAlipayPage({});\n",
        **{
            "utils/polyfill.js": "my.ap.openPolyfill = () => {};\n",
            "app.js": "require('./utils/polyfill');\nApp({});\n",
        },
    )
    found = static_findings(files, JSAPI_UNSUPPORTED)
    assert [(f.line, f.message.split(" ")[0]) for f in found] == [(4, "my.ap.navigateToAlipayPage")]
