"""A compatibility report (the JSON of compat/report.py) as the release page embeds it:
the summary, the matrix as a heat map (a row per OS version, a column per network x
device), the findings with file:line, and the changes since the previous run
(compat/changes.py). Pure: a report in, plain values for the template out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Final

from minirelease.compat.model import DOMAIN_NOT_WHITELISTED

# The page lists this many findings and changed cells; View Report has them all.
FINDINGS_SHOWN: Final = 50
CELLS_CHANGED_SHOWN: Final = 12
STATUSES: Final = ("pass", "warn", "fail")


@dataclass(frozen=True)
class HeatCell:
    id: str
    status: str  # pass | warn | fail, or none for a cell the run did not cover
    findings: int


@dataclass(frozen=True)
class HeatMap:
    networks: list[tuple[str, int]]  # each network and how many device columns it spans
    columns: list[tuple[str, str]]  # (network, device)
    rows: list[tuple[str, list[HeatCell]]]  # ("android 14", a cell per column)


def status_class(status: object) -> str:
    """Only the known statuses become class names."""
    return str(status) if status in STATUSES else "none"


def heat_map(cells: Sequence[Mapping[str, Any]]) -> HeatMap:
    columns = list(dict.fromkeys(_column(cell) for cell in cells))
    by_row: dict[str, dict[tuple[str, str], Mapping[str, Any]]] = {}
    for cell in cells:
        label = f"{cell['platform']} {cell['os_version']}"
        by_row.setdefault(label, {})[_column(cell)] = cell
    rows = [
        (label, [_heat_cell(row.get(column)) for column in columns])
        for label, row in by_row.items()
    ]
    networks = [
        (network, len(list(group))) for network, group in groupby(columns, key=lambda c: c[0])
    ]
    return HeatMap(networks, columns, rows)


def _column(cell: Mapping[str, Any]) -> tuple[str, str]:
    return (str(cell.get("network") or "—"), str(cell.get("device") or "—"))


def _heat_cell(cell: Mapping[str, Any] | None) -> HeatCell:
    if cell is None:
        return HeatCell("", "none", 0)
    return HeatCell(str(cell["id"]), status_class(cell["status"]), len(cell["findings"]))


def where(finding: Mapping[str, Any]) -> str:
    """``file:line:column``, or "package" for a package-wide finding."""
    file, line, column = finding.get("file"), finding.get("line"), finding.get("column")
    text = str(file) if file is not None else "package"
    if line is not None:
        text += f":{line}"
        if column is not None:
            text += f":{column}"
    return text


def _applies(finding: Mapping[str, Any], total: int) -> str:
    count = len(finding.get("cells") or ())
    return f"all {total} cells" if count == total else f"{count} of {total} cells"


def _finding(finding: Mapping[str, Any], total: int, new: frozenset[str]) -> dict[str, Any]:
    return {
        "id": finding.get("id"),
        "rule": finding["rule"],
        "severity": status_class(finding["severity"]),
        "message": finding["message"],
        "where": where(finding),
        "code": finding.get("code"),
        "applies": _applies(finding, total),
        "new": finding.get("id") in new,
    }


def _changes(
    changes: Mapping[str, Any] | None, by_id: Mapping[str, Mapping[str, Any]], total: int
) -> dict[str, Any] | None:
    if not changes:
        return None
    cells_changed = list(changes.get("cells_changed") or ())
    return {
        "previous_run_id": changes["previous_run_id"],
        "summary": changes["summary"],
        "new": [_finding(by_id[i], total, frozenset()) for i in changes["new"] if i in by_id],
        "fixed": [_finding(f, total, frozenset()) for f in changes.get("fixed") or ()],
        "cells_changed": [
            {
                "cell": moved["cell"],
                "before": status_class(moved["before"]),
                "after": status_class(moved["after"]),
            }
            for moved in cells_changed[:CELLS_CHANGED_SHOWN]
        ],
        "cells_changed_more": max(0, len(cells_changed) - CELLS_CHANGED_SHOWN),
    }


def report_view(report: Mapping[str, Any]) -> dict[str, Any]:
    cells = report.get("cells") or []
    findings = report.get("findings") or []
    total = len(cells)
    changes = report.get("changes")
    new = frozenset(changes["new"]) if changes else frozenset()
    by_id = {finding["id"]: finding for finding in findings}
    summary = report["summary"]
    return {
        "summary": {
            "status": status_class(summary["status"]),
            "cells": summary["cells"],
            "counts": [(status, summary.get(status, 0)) for status in STATUSES],
            "findings": summary["findings"],
            "by_rule": sorted((summary.get("findings_by_rule") or {}).items()),
        },
        "heat": heat_map(cells),
        "findings": [_finding(f, total, new) for f in findings[:FINDINGS_SHOWN]],
        "findings_more": max(0, len(findings) - FINDINGS_SHOWN),
        "changes": _changes(changes, by_id, total),
    }


def domains_called(report: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """The hosts the package calls, each with its whitelist and whether it is covered
    (compat/domains_used.py); None for a report made before runs recorded them."""
    if not report or "domains" not in report:
        return None
    return list(report["domains"])


def flagged_domains(report: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The report's ``domain-not-whitelisted`` findings: the hosts the package calls that
    no whitelist covers (all a report made before runs recorded every host tells)."""
    if not report:
        return []
    total = len(report.get("cells") or [])
    return [
        _finding(finding, total, frozenset())
        for finding in report.get("findings") or []
        if finding["rule"] == DOMAIN_NOT_WHITELISTED
    ]
