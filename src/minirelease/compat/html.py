"""The compatibility report as one self-contained HTML page for people: the verdict and
summary, the matrix as a grid whose squares name the rules failing (or warning) in each cell
and are coloured by status, and the findings grouped by rule with file:line:column and an
excerpt of the code.

Everything shown comes from a package someone uploaded (file names, code, URLs), so every
value is escaped; the page has inline CSS only, no scripts and no external assets."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import groupby
from typing import Any, Final

from minirelease.compat.html_grid import e as _e
from minirelease.compat.html_grid import grid as _grid
from minirelease.compat.html_grid import status_class as _status_class

# Lines of context shown around a finding's line, and how much of a (minified) line.
CONTEXT_LINES: Final = 1
EXCERPT_MAX_CHARS: Final = 160

_STYLE: Final = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 12px}
h3{font-size:16px;margin:0 0 8px}
.meta{color:#5b6474;font-size:13px;word-break:break-all}
.badge{display:inline-block;padding:1px 10px;border-radius:10px;font-weight:600;font-size:13px;
text-transform:uppercase;color:#fff}
.pass{background:#1f8a4c}.warn{background:#c27c0e}.fail{background:#c0392b}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:110px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff}
td,th{padding:4px 12px;text-align:left;border-bottom:1px solid #e4e7ec}
table.matrix{margin:0 0 16px;font-size:12px}
table.matrix td,table.matrix th{padding:2px 3px;border:0;text-align:center}
table.matrix th.os{text-align:right;padding-right:8px;white-space:nowrap}
.tile{border-radius:4px;color:#fff;min-width:24px;min-height:22px;padding:2px 1px;
box-sizing:border-box;font:600 9px/11px ui-monospace,Menlo,Consolas,monospace;text-align:center;
display:flex;flex-direction:column;justify-content:center}
.tile.pass{font-weight:400}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.legend{font-size:12px;color:#5b6474}
.legend b{font:600 11px ui-monospace,Menlo,Consolas,monospace;color:#1d2330}
.rule{background:#fff;border-radius:8px;padding:16px;margin-bottom:16px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
.finding{border-top:1px solid #e4e7ec;padding:10px 0}
.where{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
.cells{color:#5b6474;font-size:12px}
pre{background:#1d2330;color:#e8eaef;padding:8px 0;border-radius:6px;overflow-x:auto;
font-size:12.5px;margin:6px 0 0}
pre span.line{display:block;padding:0 12px}
pre span.hit{background:#48303a}
pre span.no{display:inline-block;min-width:4ch;color:#8a93a5;margin-right:12px;text-align:right}
pre mark{background:#e0b341;color:#1d2330}
.new{background:#2d5fd3;color:#fff;border-radius:4px;padding:0 6px;font-size:11px;
font-family:system-ui,sans-serif}
ul{background:#fff;border-radius:8px;padding:8px 8px 8px 28px}
"""


def render_html(report: Mapping[str, Any], sources: Mapping[str, Sequence[str]]) -> str:
    """``report`` as built by ``report.build_report``; ``sources`` maps a file to its lines,
    for the excerpts (files left out are shown without one)."""
    matrix = report["matrix"]
    summary = report["summary"]
    title = f"Compatibility report · {matrix['partner_app']} · {summary['status']}"
    body = "".join(
        [
            _header(report),
            _summary(summary),
            _changes(report.get("changes"), report["findings"]),
            _grid(report["cells"], report["findings"]),
            _findings(report["findings"], report["cells"], sources, _new_ids(report)),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        # Defence in depth: even markup that slipped through could load and run nothing.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _badge(status: object) -> str:
    return f'<span class="badge {_status_class(status)}">{_e(status)}</span>'


def _header(report: Mapping[str, Any]) -> str:
    matrix = report["matrix"]
    return (
        f"<h1>Compatibility report {_badge(report['summary']['status'])}</h1>"
        f'<div class="meta">partner app <b>{_e(matrix["partner_app"])}</b> · '
        f"run {_e(report['run_id'])} · package sha256 {_e(report['package_sha256'])}</div>"
    )


def _summary(summary: Mapping[str, Any]) -> str:
    cards = [("cells", summary["cells"], "")] + [
        (status, summary[status], status) for status in ("pass", "warn", "fail")
    ]
    cards.append(("findings", summary["findings"], ""))
    html_cards = "".join(
        f'<div class="card"><b>{_e(count)}</b>{_badge(label) if css else _e(label)}</div>'
        for label, count, css in cards
    )
    rules = "".join(
        f'<tr><td><a href="#rule-{_e(rule)}">{_e(rule)}</a></td><td>{_e(count)}</td></tr>'
        for rule, count in summary["findings_by_rule"].items()
    )
    table = f"<table><tr><th>rule</th><th>findings</th></tr>{rules}</table>" if rules else ""
    return f'<h2>Summary</h2><div class="cards">{html_cards}</div>{table}'


def _new_ids(report: Mapping[str, Any]) -> frozenset[str]:
    changes = report.get("changes")
    return frozenset(changes["new"]) if changes else frozenset()


def _changes(changes: Mapping[str, Any] | None, findings: Sequence[Mapping[str, Any]]) -> str:
    """Since the previous run of the release: counts, then what is new and what was fixed
    (the new findings are also tagged where they are listed below)."""
    if not changes:
        return "<h2>Since the previous run</h2><p>This is the first run of this release.</p>"
    counts = changes["summary"]
    cards = "".join(
        f'<div class="card"><b>{_e(counts[label])}</b>{_e(label)}</div>'
        for label in ("new", "fixed", "unchanged", "cells_changed")
    )
    by_id = {finding["id"]: finding for finding in findings}
    new = "".join(
        f"<li>{_one_line(by_id[finding_id])}</li>"
        for finding_id in changes["new"]
        if finding_id in by_id
    )
    fixed = "".join(f"<li>{_one_line(finding)}</li>" for finding in changes["fixed"])
    moved = "".join(
        f"<li>{_e(cell['cell'])}: {_badge(cell['before'])} → {_badge(cell['after'])}</li>"
        for cell in changes["cells_changed"][:CELLS_LISTED]
    )
    more = len(changes["cells_changed"]) - CELLS_LISTED
    shared = counts.get("cells_compared")  # absent from reports made before it was counted
    over = "" if shared is None else f" on the {_e(shared)} cells both runs covered"
    return (
        f'<h2>Since the previous run</h2><div class="meta">compared with run '
        f'{_e(changes["previous_run_id"])}{over}</div><div class="cards">{cards}</div>'
        + (f"<h3>New</h3><ul>{new}</ul>" if new else "")
        + (f"<h3>Fixed</h3><ul>{fixed}</ul>" if fixed else "")
        + (f"<h3>Cells whose status changed</h3><ul>{moved}</ul>" if moved else "")
        + (f'<p class="meta">and {more} more cells</p>' if more > 0 else "")
    )


def _one_line(finding: Mapping[str, Any]) -> str:
    return (
        f"{_badge(finding['severity'])} <b>{_e(finding['rule'])}</b> "
        f'<span class="where">{_where(finding)}</span> {_e(finding["message"])}'
    )


def _where(finding: Mapping[str, Any]) -> str:
    file, line, column = finding.get("file"), finding.get("line"), finding.get("column")
    return "".join(
        [
            _e(file) if file is not None else "package",
            f":{_e(line)}" if line is not None else "",
            f":{_e(column)}" if column is not None else "",
        ]
    )


def _findings(
    findings: Sequence[Mapping[str, Any]],
    cells: Sequence[Mapping[str, Any]],
    sources: Mapping[str, Sequence[str]],
    new_ids: frozenset[str],
) -> str:
    if not findings:
        return "<h2>Findings</h2><p>No findings: every cell passes.</p>"
    sections = []
    every_value = _every_value(cells)
    for rule, group in groupby(findings, key=lambda finding: str(finding["rule"])):
        items = list(group)
        entries = "".join(
            _finding(finding, cells, every_value, sources, finding["id"] in new_ids)
            for finding in items
        )
        sections.append(
            f'<section class="rule" id="rule-{_e(rule)}"><h3>{_e(rule)} '
            f'<span class="meta">({len(items)})</span></h3>{entries}</section>'
        )
    return "<h2>Findings</h2>" + "".join(sections)


def _finding(
    finding: Mapping[str, Any],
    all_cells: Sequence[Mapping[str, Any]],
    every_value: Sequence[list[Any]],
    sources: Mapping[str, Sequence[str]],
    is_new: bool,
) -> str:
    file, line, column = finding.get("file"), finding.get("line"), finding.get("column")
    where = _where(finding) + (' <span class="new">new</span>' if is_new else "")
    applies = _applies(set(finding["cells"]), all_cells, every_value)
    excerpt = ""
    if isinstance(file, str) and isinstance(line, int) and file in sources:
        excerpt = _excerpt(sources[file], line, column if isinstance(column, int) else None)
    return (
        f'<div class="finding">{_badge(finding["severity"])} '
        f'<span class="where">{where}</span><div>{_e(finding["message"])}</div>'
        f'<div class="cells">{applies}</div>{excerpt}</div>'
    )


# Cells named one by one when a finding's cells are no simple OS x network x device block.
CELLS_LISTED: Final = 12
_DIMENSIONS: Final[tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...]] = (
    ("OS", lambda cell: f"{cell['platform']} {cell['os_version']}"),
    ("network", lambda cell: cell.get("network")),
    ("device", lambda cell: cell.get("device")),
)


def _every_value(cells: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """Each dimension's values over the whole matrix, in matrix order."""
    return [list(dict.fromkeys(value_of(cell) for cell in cells)) for _, value_of in _DIMENSIONS]


def _applies(
    chosen: set[str], cells: Sequence[Mapping[str, Any]], every_value: Sequence[list[Any]]
) -> str:
    """Which cells a finding applies to, by dimension when they form a block ("2 of 288
    cells: OS android 7, android 8 · every network · device low"), else by id."""
    if len(chosen) == len(cells):
        return f"all {len(cells)} cells"
    within = [cell for cell in cells if cell["id"] in chosen]
    head = f"{len(within)} of {len(cells)} cells: "
    parts, block = [], 1
    for (name, value_of), every in zip(_DIMENSIONS, every_value, strict=True):
        values = list(dict.fromkeys(value_of(cell) for cell in within))
        block *= len(values)
        if every == [None]:
            continue
        shown = ", ".join(str(value) for value in values)
        parts.append(f"every {name}" if values == every else f"{name} {shown}")
    if block == len(within):
        return head + _e(" · ".join(parts))
    listed = ", ".join(_e(cell["id"]) for cell in within[:CELLS_LISTED])
    more = len(within) - CELLS_LISTED
    return head + listed + (f" and {more} more" if more > 0 else "")


def _excerpt(lines: Sequence[str], line: int, column: int | None) -> str:
    if not 1 <= line <= len(lines):
        return ""
    first, last = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    start = _window_start(column)
    rendered = []
    for number in range(first, last + 1):
        text = lines[number - 1]
        hit = number == line
        content = _marked(text, start, column) if hit else _e(_clip(text, start))
        css = "line hit" if hit else "line"
        rendered.append(f'<span class="{css}"><span class="no">{number}</span>{content}</span>')
    return "<pre>" + "".join(rendered) + "</pre>"


def _window_start(column: int | None) -> int:
    """0-based first character shown, so the column stays visible in a long line."""
    if column is None or column <= EXCERPT_MAX_CHARS // 2:
        return 0
    return column - 1 - EXCERPT_MAX_CHARS // 4


def _clip(text: str, start: int) -> str:
    shown = text[start : start + EXCERPT_MAX_CHARS]
    return (
        ("…" if start > 0 else "") + shown + ("…" if len(text) > start + EXCERPT_MAX_CHARS else "")
    )


def _marked(text: str, start: int, column: int | None) -> str:
    """The finding's line with the character at ``column`` marked."""
    if column is None or not 1 <= column <= len(text):
        return _e(_clip(text, start))
    at = column - 1
    end = start + EXCERPT_MAX_CHARS
    before, char, after = text[start:at], text[at], text[at + 1 : end]
    return (
        ("…" if start > 0 else "")
        + _e(before)
        + f"<mark>{_e(char)}</mark>"
        + _e(after)
        + ("…" if len(text) > end else "")
    )
