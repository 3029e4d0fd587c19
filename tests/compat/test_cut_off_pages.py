"""A page cut off by its step's time budget or by memory costs that page only (issue 13,
item 4): the findings of the pages before and after it stand, the pages after it run in a
fresh engine and say so, and the whole run's budget still bounds the run."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from minirelease.compat.child_process import MIB
from minirelease.compat.lab import LabRun
from minirelease.compat.matrix import build_matrix
from minirelease.compat.package import BuiltPackage
from minirelease.compat.profiles import default_profiles
from minirelease.compat.run import ALL_STATIC_RULES, run_compatibility
from minirelease.compat.runtime import Network, runtime_rules
from minirelease.compat.runtime.limits import DEFAULT_STEP_BUDGET_MS
from minirelease.compat.runtime.results import EngineRun
from minirelease.compat.runtime.scripts import Scripts
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import SERVER_DOMAINS, program
from tests.compat.runtime.programs import smoke, where
from tests.engines import SHARED_ENGINE, SHARED_LAB
from tests.packages.zips import zip_bytes

PROFILE = shipped_profile("wallet")
# One cell: the engine's budgets, not the matrix, are under test.
MATRIX = build_matrix(
    "wallet",
    PROFILE["os_versions"],
    default_profiles(),
    os=["android-14"],
    networks=["wifi"],
    devices=["mid"],
)
PAGES = ("pages/a/a", "pages/b/b", "pages/c/c", "pages/d/d")
FILES = {
    # A throws in onLoad, B never returns from it, C allocates until V8's heap limit, and D
    # runs fine, asking a host its code builds (which only the run can see).
    "pages/a/a.js": """
        Page({
          onLoad() {
            this.setData({ price: null.toFixed(2) });
          },
        });
        """,
    "pages/b/b.js": """
        Page({
          onLoad() {
            while (true) {}
          },
        });
        """,
    "pages/c/c.js": """
        Page({
          onLoad() {
            const kept = [];
            for (;;) kept.push(new Array(1e6).fill(0.5));
          },
        });
        """,
    "pages/d/d.js": """
        const host = ['feeds', 'tracker', 'example'].join('.');
        Page({
          onLoad() {
            my.request({ url: 'https://' + host + '/feed' });
          },
        });
        """,
}


# V8's heap for the runs here: small, so that page C runs out of it at once even on a busy
# machine (the default is 128 MiB).
SMALL_HEAP = 16 * MIB
STEP_BUDGET_MS = 1500
FRESH_AFTER_B = "; the page ran in a fresh engine, after Page pages/b/b onLoad was cut off"
A_CRASH = (
    "runtime-exception",
    "pages/a/a.js",
    3,
    "TypeError: Cannot read properties of null (reading 'toFixed') (in Page pages/a/a onLoad)",
)
D_REQUEST = (
    "domain-not-whitelisted",
    "pages/d/d.js",
    4,
    "my.request loads 'https://feeds.tracker.example/feed' at run time; "
    "feeds.tracker.example is not on the mini program's server domain whitelist",
)


class SmallHeapEngine:
    """The shared engine processes, each run with ``SMALL_HEAP`` of V8 heap."""

    def run(
        self,
        scripts: Scripts,
        *,
        pages: Sequence[str],
        jsapis: Iterable[str],
        network: Network,
        time_budget_ms: int,
        step_budget_ms: int,
    ) -> EngineRun:
        return SHARED_ENGINE.run(
            scripts,
            pages=pages,
            jsapis=jsapis,
            network=network,
            time_budget_ms=time_budget_ms,
            step_budget_ms=step_budget_ms,
            heap_limit_bytes=SMALL_HEAP,
        )


def _runtime(report: dict[str, Any]) -> list[tuple[str, str | None, int | None, str]]:
    runtime = {"runtime-exception", "startup-timeout", "domain-not-whitelisted", "runtime-crashed"}
    return sorted(
        (found["rule"], found["file"], found["line"], found["message"])
        for found in report["findings"]
        if found["rule"] in runtime
    )


def _timeout_of_b(budget_ms: int) -> tuple[str, str, int, str]:
    return (
        "startup-timeout",
        "pages/b/b.js",
        3,
        f"start-up did not finish within the {budget_ms} ms budget of one lifecycle step: "
        "Page pages/b/b onLoad was still running, in the loop at pages/b/b.js:3",
    )


def test_a_crash_an_endless_page_and_one_out_of_memory_keep_every_pages_findings() -> None:
    started = time.monotonic()
    result = run_compatibility(
        BuiltPackage.from_files(program(FILES, pages=PAGES)),
        run_id="run_cut_off",
        package_sha256="0" * 64,
        partner_app="wallet",
        profile=PROFILE,
        limits=DEFAULT_PACKAGE_LIMITS,
        server_domains=SERVER_DOMAINS,
        matrix=MATRIX,
        rules=(
            *ALL_STATIC_RULES,
            *runtime_rules(SmallHeapEngine(), step_budget_ms=STEP_BUDGET_MS, time_budget_ms=20_000),
        ),
    )
    elapsed = time.monotonic() - started
    assert _runtime(result.report) == [
        D_REQUEST,
        A_CRASH,
        (
            "runtime-exception",
            "pages/c/c.js",
            None,
            "ran out of the 16 MiB memory limit while Page pages/c/c onLoad" + FRESH_AFTER_B,
        ),
        _timeout_of_b(STEP_BUDGET_MS),
    ]
    # One step's budget for the endless page, far from the whole run's 20 s.
    assert elapsed < 12


def test_the_lab_keeps_the_findings_of_the_pages_around_an_endless_one(tmp_path: Path) -> None:
    # The lab as it runs in production: its process, the engine's, the default budgets.
    package = tmp_path / "program.zip"
    files = {path: text for path, text in FILES.items() if path != "pages/c/c.js"}
    package.write_bytes(zip_bytes(program(files, pages=PAGES)))
    run = LabRun(
        run_id="run_cut_off",
        package_path=package,
        source_path=package,
        package_sha256="0" * 64,
        partner_app="wallet",
        profile=PROFILE,
        limits=DEFAULT_PACKAGE_LIMITS,
        matrix=MATRIX.to_json(),
        out_dir=tmp_path,
        server_domains=SERVER_DOMAINS,
    )
    started = time.monotonic()
    result = SHARED_LAB.run(run)
    assert time.monotonic() - started < 15
    assert _runtime(json.loads(result.report_json)) == [
        D_REQUEST,
        A_CRASH,
        _timeout_of_b(DEFAULT_STEP_BUDGET_MS),
    ]


def test_the_whole_runs_budget_ends_the_run_at_the_step_that_spends_it() -> None:
    endless = "Page({\n  onLoad() {\n    for (;;) {}\n  },\n});\n"
    started = time.monotonic()
    findings = smoke(
        {
            "pages/x/x.js": endless,
            "pages/y/y.js": endless,
            "pages/z/z.js": "Page({\n  onLoad() {\n    null.z;\n  },\n});\n",
        },
        pages=("pages/x/x", "pages/y/y", "pages/z/z"),
        time_budget_ms=2000,
        step_budget_ms=1200,
    )
    assert time.monotonic() - started < 10
    assert where(findings) == [
        ("startup-timeout", "pages/x/x.js", 3),
        ("startup-timeout", "pages/y/y.js", 3),
    ]  # z never ran
    assert [finding.message for finding in findings] == [
        "start-up did not finish within the 1200 ms budget of one lifecycle step: "
        "Page pages/x/x onLoad was still running, in the loop at pages/x/x.js:3",
        "start-up did not finish within the 2000 ms budget of the whole run: "
        "Page pages/y/y onLoad was still running, in the loop at pages/y/y.js:3; the steps "
        "after it did not run; the page ran in a fresh engine, after Page pages/x/x onLoad "
        "was cut off",
    ]


def test_a_page_after_a_cut_off_one_finds_its_own_faults_in_a_fresh_engine() -> None:
    findings = smoke(
        {
            "app.js": "App({\n  onLaunch() {\n    this.globalData = { ready: true };\n  },\n});\n",
            "pages/x/x.js": "Page({\n  onShow() {\n    for (;;) {}\n  },\n});\n",
            "pages/y/y.js": "Page({\n  onReady() {\n"
            "    if (getApp().globalData.ready) undefinedHelper();\n  },\n});\n",
        },
        pages=("pages/x/x", "pages/y/y"),
        step_budget_ms=300,
    )
    # The app launched again in the fresh engine: page y sees what onLaunch set.
    assert where(findings) == [
        ("runtime-exception", "pages/y/y.js", 3),
        ("startup-timeout", "pages/x/x.js", 3),
    ]
    assert findings[0].message == (
        "ReferenceError: undefinedHelper is not defined (in Page pages/y/y onReady); the page "
        "ran in a fresh engine, after Page pages/x/x onShow was cut off"
    )
