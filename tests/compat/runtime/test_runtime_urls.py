"""Every URL the smoke test requests is checked for its scheme and against the server
domain whitelist, at the call; what the static rules already report is not reported again."""

from __future__ import annotations

import json

from minirelease.compat.analyzer import Rule, evaluate
from minirelease.compat.model import (
    DOMAIN_NOT_WHITELISTED,
    INSECURE_URL,
    Cell,
    CellContext,
    MatrixFinding,
    Target,
)
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import parse_package
from minirelease.compat.runtime import runtime_rules
from minirelease.compat.static_rules import STATIC_RULES
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.runtime.counting import CountingEngine

URL_RULES = tuple(
    rule for rule in STATIC_RULES if rule.id in (INSECURE_URL, DOMAIN_NOT_WHITELISTED)
)
JSAPIS = frozenset({"my.request", "my.connectSocket"})

FILES = {
    "app.json": json.dumps({"pages": ["pages/index/index"]}),
    "app.js": "App({});\n",
    # The URLs are made from arguments: static analysis cannot read them.
    "utils/api.js": "function get(base, path) {\n"
    "  return my.request({ url: base + path, fail: () => {} });\n"
    "}\n"
    "function live(host) {\n"
    "  return my.connectSocket({ url: `${host}/live` });\n"
    "}\n"
    "module.exports = { get, live };\n",
    "pages/index/index.js": "const api = require('../../utils/api');\n"
    "Page({\n"
    "  onLoad() {\n"
    "    api.get('http://api.shop.example', '/feed');\n"
    "    api.get('https://tracker.example.net', '/hit?page=index');\n"
    "    api.get('https://api.shop.example', '/cart');\n"
    "    api.live('ws://live.shop.example');\n"
    "    my.request({\n"
    "      url: 'http://api.shop.example/static',\n"
    "    });\n"
    "    my.request({ url: 'https://cdn.other.example/menu.json', fail: () => {} });\n"
    "  },\n"
    "});\n",
}


def _evaluate(*targets: Target) -> tuple[list[MatrixFinding], CountingEngine]:
    parsed = parse_package(BuiltPackage.from_files({p: s.encode() for p, s in FILES.items()}))
    contexts = [
        CellContext(Cell(target.partner_app, "android", "14"), target) for target in targets
    ]
    engine = CountingEngine()
    rules: list[Rule] = [*URL_RULES, *runtime_rules(engine, time_budget_ms=3000)]
    return evaluate(parsed, contexts, rules), engine


def _target(app: str, server_domains: tuple[str, ...]) -> Target:
    return Target(app, JSAPIS, frozenset(), DEFAULT_PACKAGE_LIMITS, server_domains)


def test_urls_requested_at_run_time_are_checked_at_the_call() -> None:
    findings, _ = _evaluate(_target("wallet", ("api.shop.example",)))
    assert [
        (f.finding.rule, f.finding.file, f.finding.line, f.finding.message) for f in findings
    ] == [
        (
            DOMAIN_NOT_WHITELISTED,
            "pages/index/index.js",
            11,  # the static rule's only
            "my.request loads 'https://cdn.other.example/menu.json'; "
            "cdn.other.example is not on the mini program's server domain whitelist",
        ),
        (
            DOMAIN_NOT_WHITELISTED,
            "utils/api.js",
            2,
            "my.request loads 'https://tracker.example.net/hit?page=index' at run time; "
            "tracker.example.net is not on the mini program's server domain whitelist",
        ),
        (
            INSECURE_URL,
            "pages/index/index.js",
            9,  # the static rule's, at the URL; the engine sees the call on line 8
            "my.request loads 'http://api.shop.example/static' over http://; use https://",
        ),
        (
            INSECURE_URL,
            "utils/api.js",
            2,
            "my.request loads 'http://api.shop.example/feed' at run time over http://; "
            "use https://",
        ),
        (
            INSECURE_URL,
            "utils/api.js",
            5,
            "my.connectSocket loads 'ws://live.shop.example/live' at run time over ws://; "
            "use wss://",
        ),
    ]


def test_the_whitelist_is_read_per_partner_app_from_one_engine_run() -> None:
    findings, engine = _evaluate(
        _target("wallet", ("api.shop.example",)),
        _target("bank", ("api.shop.example", "*.example.net")),
    )
    assert len(engine.runs) == 1  # same JSAPIs and network: one run serves both whitelists
    domain = [f for f in findings if f.finding.rule == DOMAIN_NOT_WHITELISTED]
    assert [(f.finding.file, f.finding.line, f.cells) for f in domain] == [
        ("pages/index/index.js", 11, ("wallet/android-14", "bank/android-14")),
        ("utils/api.js", 2, ("wallet/android-14",)),
    ]
