"""The smoke test through the analyzer: one engine run per distinct (JSAPIs, network)."""

from __future__ import annotations

import json
from dataclasses import replace

from minirelease.compat.analyzer import Rule, evaluate
from minirelease.compat.model import Cell, CellContext, Finding, Target
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import ParsedPackage, parse_package
from minirelease.compat.profiles import default_profiles
from minirelease.compat.runtime import Network, runtime_rules
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.runtime.programs import OFFLINE, WIFI
from tests.engines import SHARED_ENGINE

FILES = {
    "app.json": json.dumps({"pages": ["pages/index/index"]}).encode(),
    "app.js": b"App({});\n",
    "pages/index/index.js": b"Page({ onLoad() {\n"
    b"  my.request({ url: 'https://a.example.com', fail: () => { throw new Error('down'); } });\n"
    # A computed name: static analysis cannot see which JSAPI this calls, the engine can.
    b"  const name = ['scan', 'Code'].join(''); my[name]({});\n} });\n",
}
NETWORKS = {"wifi": Network.from_profile(WIFI), "offline": Network.from_profile(OFFLINE)}


def test_cells_sharing_jsapis_and_network_share_one_engine_run() -> None:
    target = Target("wallet", frozenset({"my.request"}), frozenset(), DEFAULT_PACKAGE_LIMITS)
    contexts = [
        CellContext(Cell("wallet", platform, version, network), target)
        for platform, version in (("android", "14"), ("ios", "17"))
        for network in ("wifi", "offline")
    ]
    (rule,) = runtime_rules(SHARED_ENGINE, lambda context: NETWORKS[context.cell.network or "wifi"])
    runs: list[str] = []

    def counted(parsed: ParsedPackage, context: CellContext) -> list[Finding]:
        runs.append(context.cell.id)
        return list(rule.check(parsed, context))

    parsed = parse_package(BuiltPackage.from_files(FILES))
    findings = evaluate(parsed, contexts, [Rule(rule.id, counted, rule.varies_with)])

    assert len(runs) == 2
    by_rule = {matrix.finding.rule: (matrix.finding.line, matrix.cells) for matrix in findings}
    assert by_rule == {
        "jsapi-unsupported": (3, tuple(context.cell.id for context in contexts)),
        "offline-crash": (2, ("wallet/android-14/offline", "wallet/ios-17/offline")),
    }


def test_a_partner_app_offering_the_api_gets_no_jsapi_finding() -> None:
    target = Target(
        "wallet", frozenset({"my.request", "my.scanCode"}), frozenset(), DEFAULT_PACKAGE_LIMITS
    )
    context = CellContext(Cell("wallet", "android", "14", "wifi"), target)
    (rule,) = runtime_rules(SHARED_ENGINE, lambda _: NETWORKS["wifi"])
    parsed = parse_package(BuiltPackage.from_files(FILES))
    assert list(rule.check(parsed, context)) == []
    no_scan = replace(context, target=replace(target, jsapis=frozenset({"my.request"})))
    assert list(rule.check(parsed, no_scan)) != []


def test_a_call_the_static_rule_reports_is_not_reported_again_by_the_engine() -> None:
    files = {**FILES, "pages/index/index.js": b"Page({ onLoad() { my.scanCode({}); } });\n"}
    target = Target("wallet", frozenset({"my.request"}), frozenset(), DEFAULT_PACKAGE_LIMITS)
    context = CellContext(Cell("wallet", "android", "14", "wifi"), target)
    (rule,) = runtime_rules(SHARED_ENGINE, lambda _: NETWORKS["wifi"])
    parsed = parse_package(BuiltPackage.from_files(files))
    assert list(rule.check(parsed, context)) == []


def test_the_cell_network_profile_drives_the_engine() -> None:
    offline = default_profiles().networks["offline"]
    target = Target("wallet", frozenset({"my.request"}), frozenset(), DEFAULT_PACKAGE_LIMITS)
    (rule,) = runtime_rules(SHARED_ENGINE)
    parsed = parse_package(BuiltPackage.from_files(FILES))
    cell = Cell("wallet", "android", "14", offline.name)
    findings = list(rule.check(parsed, CellContext(cell, target, network=offline)))
    assert "offline-crash" in {finding.rule for finding in findings}
    no_network = list(rule.check(parsed, CellContext(Cell("wallet", "android", "14"), target)))
    assert "offline-crash" not in {finding.rule for finding in no_network}
