"""startup-timeout names the page, the hook and the loop that spun; an endless loop that
does not wait on the network costs one step budget per program, not one per network."""

from __future__ import annotations

import json
from collections.abc import Sequence

from minirelease.compat.analyzer import evaluate
from minirelease.compat.model import Cell, CellContext, MatrixFinding, Target
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import parse_package
from minirelease.compat.profiles import default_profiles
from minirelease.compat.runtime import runtime_rules
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.runtime.counting import CountingEngine
from tests.compat.runtime.programs import smoke, where

BUDGET_MS = 300
NETWORKS = default_profiles().networks  # wifi, 4g, 3g, 2g, offline


def _matrix(
    files: dict[str, str], networks: Sequence[str], apps: dict[str, frozenset[str]]
) -> tuple[list[MatrixFinding], CountingEngine]:
    package = {"app.json": json.dumps({"pages": ["pages/index/index"]}), "app.js": "App({});\n"}
    parsed = parse_package(
        BuiltPackage.from_files({p: s.encode() for p, s in {**package, **files}.items()})
    )
    contexts = [
        CellContext(
            Cell(app, "android", "14", name),
            Target(app, jsapis, frozenset(), DEFAULT_PACKAGE_LIMITS),
            network=NETWORKS[name],
        )
        for app, jsapis in apps.items()
        for name in networks
    ]
    engine = CountingEngine()
    rules = runtime_rules(engine, step_budget_ms=BUDGET_MS)
    return evaluate(parsed, contexts, rules), engine


def test_busy_wait_for_a_request_is_one_timeout_for_every_network_and_partner_app() -> None:
    page = (
        "Page({\n"
        "  onLoad() {\n"
        "    let config = null;\n"
        "    my.request({ url: 'https://api.example.com/config', success: (res) => {\n"
        "      config = res.data;\n"
        "    } });\n"
        "    while (config === null) {}\n"
        "    this.setData({ config });\n"
        "  },\n"
        "});\n"
    )
    # The apps differ only in an API the program never touches.
    apps = {
        "wallet": frozenset({"my.request", "my.scanCode"}),
        "bank": frozenset({"my.request"}),
    }
    findings, engine = _matrix({"pages/index/index.js": page}, list(NETWORKS), apps)

    assert len(engine.timed_out) == 1  # not 12: 2 apps, 5 networks and offline's reference
    (found,) = findings
    assert (found.finding.rule, found.finding.file, found.finding.line) == (
        "startup-timeout",
        "pages/index/index.js",
        7,
    )
    assert found.finding.message == (
        f"start-up did not finish within the {BUDGET_MS} ms budget of one lifecycle step: "
        "Page pages/index/index onLoad was still running, in the loop at pages/index/index.js:7"
    )
    assert len(found.cells) == 10


def test_a_loop_that_spins_only_after_an_answer_times_out_on_each_network() -> None:
    page = (
        "Page({\n"
        "  onLoad() {\n"
        "    my.request({\n"
        "      url: 'https://api.example.com/poll',\n"
        "      complete: () => {\n"
        "        for (;;) {}\n"
        "      },\n"
        "    });\n"
        "  },\n"
        "});\n"
    )
    findings, engine = _matrix(
        {"pages/index/index.js": page},
        ["wifi", "2g", "offline"],
        {"wallet": frozenset({"my.request"})},
    )
    # The answer differs by network, so each network runs: the three cells' and the
    # reference wifi an offline cell is compared with.
    assert sorted(engine.timed_out) == ["2g", "offline", "wifi", "wifi"]
    (found,) = findings  # the message names no network, so the cells share it
    assert (found.finding.file, found.finding.line) == ("pages/index/index.js", 6)
    assert found.finding.message == (
        f"start-up did not finish within the {BUDGET_MS} ms budget of one lifecycle step: "
        "Page pages/index/index onLoad was still running, in the loop at pages/index/index.js:6"
    )
    assert found.cells == (
        "wallet/android-14/wifi",
        "wallet/android-14/2g",
        "wallet/android-14/offline",
    )


def test_a_canIUse_answer_that_differs_between_partner_apps_runs_again() -> None:
    page = (
        "Page({\n"
        "  onLoad() {\n"
        "    const scan = my.canIUse('scanCode');\n"
        "    while (true) {\n"
        "      if (scan && Math.random() > 2) break;\n"
        "    }\n"
        "  },\n"
        "});\n"
    )
    apps = {
        "wallet": frozenset({"my.scanCode"}),
        "bank": frozenset(),
        "shop": frozenset({"my.scanCode", "my.request"}),  # offers scanCode as wallet does
    }
    findings, engine = _matrix({"pages/index/index.js": page}, ["wifi", "4g"], apps)
    assert len(engine.timed_out) == 2  # one with scanCode, one without
    assert [(f.finding.line, len(f.cells)) for f in findings] == [(4, 6)]


def test_a_loop_in_a_required_module_is_named_at_its_file_and_line() -> None:
    findings = smoke(
        {
            "utils/wait.js": "module.exports = function waitFor(flag) {\n"
            "  let spins = 0;\n"
            "  do {\n"
            "    spins += 1;\n"
            "  } while (!flag.ready);\n"
            "  return spins;\n"
            "};\n",
            "app.js": "const waitFor = require('./utils/wait');\n"
            "App({\n  onLaunch() {\n"
            "    for (const n of [1, 2, 3]) this.total = (this.total || 0) + n;\n"
            "    waitFor({ ready: false });\n  },\n});\n",
        },
        pages=(),
        step_budget_ms=BUDGET_MS,
    )
    assert where(findings) == [("startup-timeout", "utils/wait.js", 3)]
    assert findings[0].message.endswith(
        "App onLaunch was still running, in the loop at utils/wait.js:3"
    )


def test_endless_recursion_without_a_loop_keeps_the_page_and_hook() -> None:
    findings = smoke(
        {
            "pages/index/index.js": "function paths(n) {\n"
            "  return n < 2 ? 1 : paths(n - 1) + paths(n - 2);\n}\n"
            "Page({\n  onReady() {\n    this.setData({ count: paths(80) });\n  },\n});\n"
        },
        step_budget_ms=BUDGET_MS,
    )
    assert where(findings) == [("startup-timeout", "pages/index/index.js", None)]
    assert findings[0].message == (
        f"start-up did not finish within the {BUDGET_MS} ms budget of one lifecycle step: "
        "Page pages/index/index onReady was still running"
    )
