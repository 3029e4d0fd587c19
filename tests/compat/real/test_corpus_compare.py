"""The corpus's yardstick: how a program's reports are compared with its expectations, so
that a pass means exactly the expected findings in exactly their cells."""

from __future__ import annotations

from typing import Any

from tests.compat.real.corpus import Expected, Program, cell_matches, compare, score

NETWORKS = ("wifi", "offline")


def _cell(partner: str, os: str, network: str) -> dict[str, Any]:
    platform, version = os.split("-")
    return {
        "id": f"{partner}/{os}/{network}/mid",
        "platform": platform,
        "os_version": version,
        "network": network,
        "device": "mid",
    }


def _report(partner: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    # android-8 runs ES2017, ios-17 ES2023.
    cells = [_cell(partner, os, net) for os in ("android-8", "ios-17") for net in NETWORKS]
    return {"cells": cells, "findings": findings}


def _finding(rule: str, line: int, cells: list[str], message: str = "") -> dict[str, Any]:
    return {
        "rule": rule,
        "file": "app.js",
        "line": line,
        "severity": "fail",
        "cells": cells,
        "message": message or f"{rule} here",
    }


PROGRAM = Program(
    "sample",
    "a sample",
    ("wallet", "lean_wallet"),
    {"app.json": b"{}"},
    (
        Expected("offline-crash", "app.js", 3, "fail", "offline", ()),
        Expected("jsapi-unsupported", "app.js", 5, "fail", "partner:lean_wallet", ("my.scan",)),
    ),
)
OFFLINE = ["wallet/android-8/offline/mid", "wallet/ios-17/offline/mid"]
LEAN_OFFLINE = ["lean/android-8/offline/mid", "lean/ios-17/offline/mid"]
LEAN = ["lean/android-8/wifi/mid", "lean/ios-17/wifi/mid", *LEAN_OFFLINE]


def _reports(wallet: list[dict[str, Any]], lean: list[dict[str, Any]]) -> dict[str, Any]:
    return {"wallet": _report("wallet", wallet), "lean_wallet": _report("lean", lean)}


def test_exactly_the_expected_findings_in_their_cells_pass() -> None:
    outcome = compare(
        PROGRAM,
        _reports(
            [_finding("offline-crash", 3, OFFLINE)],
            [
                _finding("offline-crash", 3, LEAN_OFFLINE),
                _finding("jsapi-unsupported", 5, LEAN, "my.scan is not offered"),
            ],
        ),
    )
    assert outcome.passed and score([outcome]) == (1.0, 1.0)


def test_missing_extra_repeated_misplaced_and_unexplained_findings_fail() -> None:
    outcome = compare(
        PROGRAM,
        _reports(
            # Offline-crash found on the wallet only; a false runtime-exception, twice.
            [
                _finding("offline-crash", 3, OFFLINE),
                _finding("runtime-exception", 9, OFFLINE, "TypeError: a"),
                _finding("runtime-exception", 9, OFFLINE, "TypeError: b"),
            ],
            # The API's finding does not name it.
            [_finding("jsapi-unsupported", 5, LEAN, "an API is not offered")],
        ),
    )
    assert not outcome.passed
    assert [line.split(" in ")[0].split(" message")[0] for line in outcome.missing] == [
        "offline-crash app.js:3 (fail)",
        "jsapi-unsupported app.js:5 (fail)",
    ]
    assert "wrong cells: 2 missing" in outcome.missing[0]
    assert "lacks ['my.scan']" in outcome.missing[1]
    assert outcome.extra == (
        "runtime-exception app.js:9 (fail) reported 2 times in one run",
        "runtime-exception app.js:9 (fail) in 2 cells: TypeError: a",
    )
    # Nothing true among 4 findings (3 keys, one repeated); 0 of 2 expected found.
    assert score([outcome]) == (0.0, 0.0)


def test_cell_selectors() -> None:
    old_offline = _cell("w", "android-8", "offline")
    new_wifi = _cell("w", "ios-17", "wifi")
    assert cell_matches("all", old_offline, "wallet")
    assert cell_matches("offline", old_offline, "wallet")
    assert not cell_matches("online", old_offline, "wallet")
    assert cell_matches("partner:wallet below:ES2020", old_offline, "wallet")
    assert not cell_matches("partner:wallet below:ES2020", new_wifi, "wallet")
    assert not cell_matches("partner:lean_wallet", old_offline, "wallet")
    assert cell_matches("network:wifi device:mid", new_wifi, "wallet")
