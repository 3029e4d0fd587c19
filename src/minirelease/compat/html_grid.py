"""The matrix of a compatibility report as HTML tables: a row per OS version, a column per
network x device, each square naming the rules found in its cell. Every value comes from
an uploaded package or a profile, so every value is escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from itertools import groupby
from typing import Any, Final


def e(value: object) -> str:
    return escape(str(value), quote=True)


def status_class(status: object) -> str:
    # Only the three known statuses become class names.
    return str(status) if status in ("pass", "warn", "fail") else "warn"


# What a grid square writes for each rule id of design §5: short enough that every rule of a
# cell fits in its square, spelled out in the legend under the grid.
RULE_ABBREVIATIONS: Final = {
    "jsapi-unsupported": "API",
    "component-unsupported": "CMP",
    "syntax-unsupported": "SYN",
    "runtime-exception": "EXC",
    "unhandled-rejection": "REJ",
    "startup-timeout": "TMO",
    "offline-crash": "OFF",
    "domain-not-whitelisted": "DOM",
    "insecure-url": "INS",
    "package-too-large": "PKG",
    "slow-first-download": "DL",
    "image-too-large": "IMG",
    "memory-risk": "MEM",
    "page-missing": "PAG",
    "runtime-crashed": "LAB",
}


def rule_abbreviation(rule: str) -> str:
    return RULE_ABBREVIATIONS.get(rule, rule[:3].upper())


def grid(cells: Sequence[Mapping[str, Any]], findings: Sequence[Mapping[str, Any]]) -> str:
    """One table per platform: a row per OS version, a column per network x device (the
    network spanning its devices), each cell a square coloured by status that writes the
    rules found there (upper case when one fails the cell, lower case when it only warns),
    so 288 cells fit on one screen and read without hovering or telling colours apart."""
    by_id = {str(finding["id"]): finding for finding in findings}
    columns = list(dict.fromkeys(_column(cell) for cell in cells))
    tables = []
    for platform, group in groupby(cells, key=lambda cell: str(cell["platform"])):
        by_row: dict[str, dict[tuple[str, str], Mapping[str, Any]]] = {}
        for cell in group:
            by_row.setdefault(str(cell["os_version"]), {})[_column(cell)] = cell
        rows = "".join(
            f'<tr><th class="os">{e(platform)} {e(version)}</th>'
            + "".join(_square(row.get(column), by_id) for column in columns)
            + "</tr>"
            for version, row in by_row.items()
        )
        tables.append(f'<table class="matrix">{_column_headers(columns)}{rows}</table>')
    intro = (
        '<p class="meta">Each square is a cell (hover for its id). It names the rules found '
        "there: upper case when the rule fails the cell, lower case when it warns; ok when "
        "the cell passes.</p>"
    )
    return "<h2>Matrix</h2>" + intro + "".join(tables) + _legend(findings)


def _legend(findings: Sequence[Mapping[str, Any]]) -> str:
    rules = sorted({str(finding["rule"]) for finding in findings}, key=rule_abbreviation)
    if not rules:
        return ""
    entries = " · ".join(f"<b>{e(rule_abbreviation(rule))}</b> {e(rule)}" for rule in rules)
    return f'<p class="legend">{entries}</p>'


def _cell_rules(
    cell: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, bool]]:
    """The rules of the cell's findings, each once with whether it fails the cell: failing
    rules first, then warnings, each by abbreviation."""
    fails: dict[str, bool] = {}
    for finding_id in cell["findings"]:
        finding = by_id.get(str(finding_id))
        if finding is not None:
            rule = str(finding["rule"])
            fails[rule] = fails.get(rule, False) or finding["severity"] != "warn"
    return sorted(fails.items(), key=lambda item: (not item[1], rule_abbreviation(item[0])))


def _square(cell: Mapping[str, Any] | None, by_id: Mapping[str, Mapping[str, Any]]) -> str:
    if cell is None:
        return "<td></td>"
    rules = _cell_rules(cell, by_id)
    shown = "".join(
        f"<span>{e(rule_abbreviation(rule) if fails else rule_abbreviation(rule).lower())}</span>"
        for rule, fails in rules
    )
    failing = ", ".join(rule for rule, fails in rules if fails)
    warning = ", ".join(rule for rule, fails in rules if not fails)
    spoken = [f"fails {failing}"] if failing else []
    spoken += [f"warns {warning}"] if warning else []
    return (
        f'<td><div class="tile {status_class(cell["status"])}" title="{e(cell["id"])}">'
        f"{shown or 'ok'}"
        f'<span class="sr"> {e(cell["id"])}: {e("; ".join(spoken) or "passes")}</span></div></td>'
    )


def _column(cell: Mapping[str, Any]) -> tuple[str, str]:
    return (str(cell.get("network") or ""), str(cell.get("device") or ""))


def _column_headers(columns: Sequence[tuple[str, str]]) -> str:
    networks = [
        f'<th colspan="{len(list(devices))}">{e(network)}</th>'
        for network, devices in groupby(columns, key=lambda column: column[0])
    ]
    devices = "".join(f"<th>{e(device)}</th>" for _, device in columns)
    return f"<tr><th></th>{''.join(networks)}</tr><tr><th></th>{devices}</tr>"
