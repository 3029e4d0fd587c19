"""jsapi-unsupported at run time: one finding per missing JSAPI naming every call site, and
a crash at an unsupported call is that call's finding, not a crash of its own."""

from __future__ import annotations

import json

from minirelease.compat.model import Cell, CellContext, Finding, Target
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import parse_package
from minirelease.compat.profiles import default_profiles
from minirelease.compat.runtime import runtime_rules
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.runtime.counting import CountingEngine
from tests.compat.runtime.programs import OFFLINE, smoke, where

# A name built at run time: static analysis cannot see which JSAPI is called.
MODAL = "my[['show', 'Modal'].join('')]"


def test_one_finding_per_missing_api_lists_its_call_sites() -> None:
    findings = smoke(
        {
            "utils/ui.js": f"exports.ask = (title) =>\n  {MODAL}({{ title }});\n",
            "app.js": "const ui = require('./utils/ui');\n"
            "App({ onLaunch() { ui.ask('welcome'); } });\n",
            "pages/a/a.js": "Page({\n  onLoad() {\n"
            f"    {MODAL}({{ title: 'a' }});\n  }},\n}});\n",
            "pages/b/b.js": "const ui = require('../../utils/ui');\n"
            "Page({\n  onShow() { ui.ask('b'); },\n"
            f"  onReady() {{ {MODAL}({{ title: 'b' }}); }},\n}});\n",
        },
        pages=("pages/a/a", "pages/b/b"),
        network=OFFLINE,
    )
    assert where(findings) == [("jsapi-unsupported", "pages/a/a.js", 3)]
    assert findings[0].message == (
        "my.showModal was called at run time but the partner app does not offer it "
        "(3 places: pages/a/a.js:3, pages/b/b.js:4, utils/ui.js:2); "
        "call it only under my.canIUse('showModal')"
    )


def test_more_than_five_places_are_counted_not_named() -> None:
    pages = tuple(f"pages/p{n}/p{n}" for n in range(7))
    findings = smoke(
        {f"{page}.js": f"Page({{\n  onLoad() {{ {MODAL}({{}}); }},\n}});\n" for page in pages},
        pages=pages,
    )
    assert where(findings) == [("jsapi-unsupported", "pages/p0/p0.js", 2)]
    assert findings[0].message == (
        "my.showModal was called at run time but the partner app does not offer it "
        "(7 places: pages/p0/p0.js:2, pages/p1/p1.js:2, pages/p2/p2.js:2, pages/p3/p3.js:2, "
        "pages/p4/p4.js:2 and 2 more); call it only under my.canIUse('showModal')"
    )


def test_a_crash_at_an_unsupported_call_is_not_also_a_crash_or_offline_crash() -> None:
    files = {
        "app.json": json.dumps({"pages": ["pages/index/index"]}),
        "app.js": "App({});\n",
        "pages/index/index.js": "Page({\n  onLoad() {\n"
        "    my.request({ url: 'https://api.shop.example/a', fail: () => {\n"
        "      my.showModal({ title: 'offline' });\n"
        "    } });\n"
        f"    {MODAL}({{ title: 'hello' }});\n"
        "  },\n});\n",
    }
    parsed = parse_package(BuiltPackage.from_files({p: s.encode() for p, s in files.items()}))
    target = Target("wallet", frozenset({"my.request"}), frozenset(), DEFAULT_PACKAGE_LIMITS)
    offline = default_profiles().networks["offline"]
    (rule,) = runtime_rules(CountingEngine(), time_budget_ms=3000)
    context = CellContext(Cell("wallet", "android", "14", "offline"), target, network=offline)
    findings: list[Finding] = list(rule.check(parsed, context))
    # my.showModal at line 4 is the static rule's; the computed one at line 6 is the engine's.
    assert [(f.rule, f.file, f.line) for f in findings] == [
        ("jsapi-unsupported", "pages/index/index.js", 6)
    ]


def _runtime_findings(files: dict[str, str], jsapis: frozenset[str]) -> list[Finding]:
    package = {"app.json": json.dumps({"pages": ["pages/index/index"]})} | files
    parsed = parse_package(BuiltPackage.from_files({p: s.encode() for p, s in package.items()}))
    target = Target("wallet", jsapis, frozenset(), DEFAULT_PACKAGE_LIMITS)
    wifi = default_profiles().networks["wifi"]
    (rule,) = runtime_rules(CountingEngine(), time_budget_ms=3000)
    context = CellContext(Cell("wallet", "android", "14", "wifi"), target, network=wifi)
    return list(rule.check(parsed, context))


CLOUD_PAGE = "Page({\n  onLoad() {\n    my.backend.call('list', () => {});\n  },\n});\n"


def test_a_my_property_the_program_never_got_to_set_is_a_knock_on_of_the_unsupported_call() -> None:
    # app.js sets my.backend from a cloud API the wallet lacks: that call is the finding;
    # the page's my.backend.call crashing because of it is not a second one.
    app = (
        "App({\n  onLaunch() {\n"
        "    my.backend = my.cloud.createCloudContext({ env: 'e' });\n  },\n});\n"
    )
    findings = _runtime_findings(
        {"app.js": app, "pages/index/index.js": CLOUD_PAGE}, frozenset({"my.request"})
    )
    # The static rule reports my.cloud.createCloudContext at app.js:3; nothing is left here.
    assert findings == []


def test_a_my_property_the_program_forgot_to_set_is_its_own_crash() -> None:
    # Guarded where it is set, unguarded where it is used: the page crashes on this app.
    app = (
        "App({\n  onLaunch() {\n    if (my.canIUse('cloud.createCloudContext')) {\n"
        "      my.backend = my.cloud.createCloudContext({ env: 'e' });\n    }\n  },\n});\n"
    )
    findings = _runtime_findings(
        {"app.js": app, "pages/index/index.js": CLOUD_PAGE}, frozenset({"my.request"})
    )
    assert [(f.rule, f.file, f.line) for f in findings] == [
        ("runtime-exception", "pages/index/index.js", 3)
    ]
    assert "reading 'call'" in findings[0].message
