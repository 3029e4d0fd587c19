"""What changed since the previous run of the same release: new, fixed and unchanged
findings, and cells whose status moved, over the cells both runs covered."""

from __future__ import annotations

from typing import Any

from minirelease.compat.changes import changes_since
from minirelease.compat.model import Cell, Finding, MatrixFinding
from minirelease.compat.report import build_report
from minirelease.compat.run import CompatibilityResult
from tests.compat.programs import check, program

INSECURE = "    my.request({ url: 'http://api.shop.example/a', success() {} });\n"
MISSING_PAGE = "    my.navigateTo({ url: '/pages/nowhere/nowhere' });\n"


def _run(*lines: str) -> CompatibilityResult:
    body = "".join(lines) or "    my.canIUse('scan');\n"
    return check(program({"pages/index/index.js": "Page({\n  onLoad() {\n" + body + "  },\n});\n"}))


def _rules(report: dict[str, Any], ids: list[str]) -> list[str]:
    findings = {finding["id"]: finding for finding in report["findings"]}
    return [findings[finding_id]["rule"] for finding_id in ids]


def test_a_fixed_a_new_and_an_unchanged_finding() -> None:
    before = _run(INSECURE, MISSING_PAGE).report
    # Same lines: the insecure request stays; the missing page is fixed; a new fault appears.
    after = _run(INSECURE, "    my.request({ url: 'https://x.other.example/b', success() {} });\n")
    changes = changes_since(before, after.report)
    assert changes["previous_run_id"] == "run_test"
    assert _rules(after.report, changes["new"]) == ["domain-not-whitelisted"]
    assert _rules(after.report, changes["unchanged"]) == ["insecure-url"]
    assert [(f["rule"], f["file"], f["line"]) for f in changes["fixed"]] == [
        ("page-missing", "pages/index/index.js", 4)
    ]
    assert changes["not_compared"] == []
    assert changes["summary"] == {
        "new": 1,
        "fixed": 1,
        "unchanged": 1,
        "not_compared": 0,
        "not_rechecked": 0,
        "cells_compared": len(after.report["cells"]),  # the same matrix
        "cells_changed": 0,  # every cell failed before and fails now
        "cells_added": 0,
        "cells_removed": 0,
    }


def test_fixing_everything_turns_every_cell_to_pass() -> None:
    before = _run(INSECURE).report
    after = _run().report
    changes = changes_since(before, after)
    assert changes["new"] == [] and changes["unchanged"] == []
    assert len(changes["fixed"]) == 1
    assert len(changes["cells_changed"]) == len(after["cells"])
    assert {(c["before"], c["after"]) for c in changes["cells_changed"]} == {("fail", "pass")}


def test_a_narrower_matrix_counts_cells_removed_not_changed() -> None:
    before = _run(INSECURE).report
    after = dict(before, cells=before["cells"][:10])
    changes = changes_since(before, after)
    assert changes["summary"]["cells_removed"] == len(before["cells"]) - 10
    assert changes["summary"]["cells_changed"] == 0


def test_a_moved_line_is_a_new_finding_and_a_fixed_one() -> None:
    before = _run(INSECURE).report
    after = _run("    my.canIUse('scan');\n", INSECURE).report
    changes = changes_since(before, after)
    assert changes["summary"]["new"] == changes["summary"]["fixed"] == 1


# Partial overlap: hand-made reports over a few cells of one partner app ------------------

A8, A10, A12, I17 = (
    Cell("wallet", "android", "8"),
    Cell("wallet", "android", "10"),
    Cell("wallet", "android", "12"),
    Cell("wallet", "ios", "17"),
)
SYNTAX = Finding("syntax-unsupported", "app.js", 3, 7, "optional chaining is not supported")
JSAPI = Finding("jsapi-unsupported", "app.js", 5, 3, "my.scan2 is not offered")
INSECURE_URL = Finding("insecure-url", "app.js", 9, 20, "http://a.example is not HTTPS", "warn")


def _report(run_id: str, cells: list[Cell], found: dict[Finding, list[Cell]]) -> dict[str, Any]:
    return build_report(
        run_id=run_id,
        package_sha256="0" * 64,
        partner_app="wallet",
        os_versions={},
        cells=cells,
        findings=[
            MatrixFinding(finding, tuple(cell.id for cell in where))
            for finding, where in found.items()
        ],
    )


def _by_rule(report: dict[str, Any], ids: list[str]) -> list[str]:
    return sorted(_rules(report, ids))


def test_a_finding_only_in_cells_the_new_run_did_not_cover_is_not_fixed() -> None:
    # The whole run found the syntax fault on Android 8 only; the narrowed retest covers
    # Android 10 and 12, where nothing fails: nothing was fixed, nothing was rechecked there.
    before = _report("run_whole", [A8, A10, A12, I17], {SYNTAX: [A8], JSAPI: [A10, A12]})
    after = _report("run_narrow", [A10, A12], {JSAPI: [A10, A12]})
    changes = changes_since(before, after)
    assert changes["fixed"] == []
    assert _by_rule(after, changes["unchanged"]) == ["jsapi-unsupported"]
    assert changes["new"] == [] and changes["not_compared"] == []
    assert changes["summary"] | {"cells_changed": None} == {
        "new": 0,
        "fixed": 0,
        "unchanged": 1,
        "not_compared": 0,
        "not_rechecked": 1,  # the syntax fault: seen only on Android 8
        "cells_compared": 2,
        "cells_changed": None,
        "cells_added": 0,
        "cells_removed": 2,
    }


def test_a_finding_only_in_cells_the_previous_run_did_not_cover_is_not_new() -> None:
    # A narrowed first run over Android 10; the whole retest also finds the syntax fault on
    # Android 8, which the first run never looked at: not new relative to it.
    before = _report("run_narrow", [A10], {JSAPI: [A10]})
    after = _report("run_whole", [A8, A10, A12, I17], {SYNTAX: [A8], JSAPI: [A10, A12]})
    changes = changes_since(before, after)
    assert changes["new"] == []
    assert _by_rule(after, changes["not_compared"]) == ["syntax-unsupported"]
    assert _by_rule(after, changes["unchanged"]) == ["jsapi-unsupported"]
    assert changes["fixed"] == []
    summary = changes["summary"]
    assert (summary["not_compared"], summary["cells_compared"], summary["cells_added"]) == (1, 1, 3)


def test_in_shared_cells_findings_are_new_fixed_or_unchanged() -> None:
    # The runs share Android 10 and 12. There the JSAPI fault is gone (fixed, reported with
    # the shared cells it was in), the insecure URL appears (new) and the syntax fault
    # stays, though the first run saw it on Android 8 as well.
    before = _report(
        "run_one", [A8, A10, A12], {SYNTAX: [A8, A12], JSAPI: [A10, A8], INSECURE_URL: [A8]}
    )
    after = _report("run_two", [A10, A12, I17], {SYNTAX: [A12], INSECURE_URL: [A10, I17]})
    changes = changes_since(before, after)
    assert _by_rule(after, changes["new"]) == ["insecure-url"]
    assert _by_rule(after, changes["unchanged"]) == ["syntax-unsupported"]
    assert [(f["rule"], f["cells"]) for f in changes["fixed"]] == [("jsapi-unsupported", [A10.id])]
    assert changes["cells_changed"] == [{"cell": A10.id, "before": "fail", "after": "warn"}]
    assert changes["summary"]["not_rechecked"] == 1  # the insecure URL was on Android 8 only
    assert changes["summary"]["cells_compared"] == 2


def test_runs_without_a_shared_cell_compare_nothing() -> None:
    before = _report("run_one", [A8], {SYNTAX: [A8]})
    after = _report("run_two", [I17], {JSAPI: [I17]})
    changes = changes_since(before, after)
    assert changes["new"] == changes["unchanged"] == changes["fixed"] == []
    assert changes["cells_changed"] == []
    assert _by_rule(after, changes["not_compared"]) == ["jsapi-unsupported"]
    summary = changes["summary"]
    assert (summary["cells_compared"], summary["not_rechecked"]) == (0, 1)
