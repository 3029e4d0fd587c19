"""The report's JSON shape (design §5) and how cell and run statuses are derived."""

from __future__ import annotations

import json

import pytest

from minirelease.compat.model import Cell, Finding, MatrixFinding, Severity
from minirelease.compat.report import build_report, worst
from minirelease.partners.defaults import shipped_profile
from tests.compat.programs import check, program

CELLS = [
    Cell("wallet", "android", "13"),
    Cell("wallet", "android", "14"),
    Cell("wallet", "ios", "17"),
]
OS_VERSIONS = {"android": ["13", "14"], "ios": ["17"]}


def _found(rule: str, severity: Severity, *cells: str, line: int = 1) -> MatrixFinding:
    finding = Finding(rule, "app.js", line, 1, f"{rule} here", severity)
    return MatrixFinding(finding, cells)


CODE = "Page({ onLoad() { my.scan(); my.request({ url: 'http://x.example/' }); } });"


def test_the_report_of_a_run() -> None:
    files = program({"pages/index/index.js": CODE + "\n"})
    result = check(files, profile=shipped_profile("lean_wallet"), partner_app="lean")
    report = json.loads(json.dumps(result.report))  # plain JSON all the way down
    assert report == result.report
    assert set(report) == {
        "run_id",
        "package_sha256",
        "matrix",
        "cells",
        "findings",
        "summary",
        "domains",
        "changes",
    }
    assert report["changes"] is None  # a first run has nothing to compare with
    assert report["run_id"] == "run_test" and report["package_sha256"] == "0" * 64
    networks, devices = ["wifi", "4g", "3g", "2g", "offline"], ["low", "mid", "high"]
    os_ids = [f"android-{v}" for v in range(11, 15)] + [f"ios-{v}" for v in range(15, 18)]
    ids = [f"lean/{os}/{net}/{dev}" for os in os_ids for net in networks for dev in devices]
    assert report["matrix"] == {
        "partner_app": "lean",
        "os_versions": {"android": ["11", "12", "13", "14"], "ios": ["15", "16", "17"]},
        "networks": networks,
        "devices": devices,
        "cells": ids,
    }
    assert report["findings"] == [
        {
            "id": "f1",
            "rule": "insecure-url",
            "severity": "fail",
            "message": "my.request loads 'http://x.example/' over http://; use https://",
            "file": "pages/index/index.js",
            "line": 1,
            "column": 48,
            "cells": ids,
            "code": CODE,
        },
        {
            "id": "f2",
            "rule": "jsapi-unsupported",
            "severity": "fail",
            "message": "my.scan is not offered by partner app 'lean'; "
            "call it only under my.canIUse('scan')",
            "file": "pages/index/index.js",
            "line": 1,
            "column": 19,
            "cells": ids,
            "code": CODE,
        },
    ]
    assert report["domains"] == [
        {
            "host": "x.example",
            "whitelist": "server",
            "whitelisted": False,
            "places": ["pages/index/index.js:1"],
            "count": 1,
        }
    ]
    assert report["cells"][0] == {
        "id": "lean/android-11/wifi/low",
        "partner_app": "lean",
        "platform": "android",
        "os_version": "11",
        "network": "wifi",
        "device": "low",
        "status": "fail",
        "findings": ["f1", "f2"],
    }
    assert [cell["id"] for cell in report["cells"]] == ids
    assert report["summary"] == {
        "cells": 105,
        "pass": 0,
        "warn": 0,
        "fail": 105,
        "findings": 2,
        "findings_by_rule": {"insecure-url": 1, "jsapi-unsupported": 1},
        "status": "fail",
    }


def test_cell_status_is_its_worst_finding_and_the_run_its_worst_cell() -> None:
    findings = [
        _found("memory-risk", "warn", "wallet/android-13", "wallet/android-14"),
        _found("runtime-exception", "fail", "wallet/android-14", line=2),
    ]
    report = build_report(
        run_id="r1",
        package_sha256="ab" * 32,
        partner_app="wallet",
        os_versions=OS_VERSIONS,
        cells=CELLS,
        findings=findings,
    )
    statuses = {cell["id"]: (cell["status"], cell["findings"]) for cell in report["cells"]}
    assert statuses == {
        "wallet/android-13": ("warn", ["f1"]),
        "wallet/android-14": ("fail", ["f1", "f2"]),
        "wallet/ios-17": ("pass", []),
    }
    summary = report["summary"]
    assert (summary["pass"], summary["warn"], summary["fail"], summary["status"]) == (
        1,
        1,
        1,
        "fail",
    )


def test_a_run_without_findings_passes() -> None:
    report = build_report(
        run_id="r2",
        package_sha256="0" * 64,
        partner_app="wallet",
        os_versions=OS_VERSIONS,
        cells=CELLS,
        findings=[],
    )
    assert report["summary"]["status"] == "pass"
    assert report["summary"]["pass"] == 3
    assert report["findings"] == [] and report["summary"]["findings_by_rule"] == {}
    assert worst(["pass", "warn"]) == "warn" and worst([]) == "pass"


def test_a_finding_for_a_cell_outside_the_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="'wallet/ios-18', not a cell of the run"):
        build_report(
            run_id="r3",
            package_sha256="0" * 64,
            partner_app="wallet",
            os_versions=OS_VERSIONS,
            cells=CELLS,
            findings=[_found("page-missing", "fail", "wallet/ios-18")],
        )
