"""What changed since the previous run of the same release: new, fixed and unchanged
findings, and cells whose status moved."""

from __future__ import annotations

from typing import Any

from minirelease.compat.changes import changes_since
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
    assert changes["summary"] == {
        "new": 1,
        "fixed": 1,
        "unchanged": 1,
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
