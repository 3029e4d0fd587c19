"""The corpus of realistic mini programs (issue 9, "Tests"): each folder under programs/ is a
whole program as a developer uploads it, beside an ``expected.json`` that lists exactly the
findings a correct lab reports for it, and the cells each applies to.

expected.json: ``{"about": str, "partners": [kind, ...], "findings": [{"rule", "file",
"line", "severity", "cells", "mentions"?}]}``. ``partners`` are shipped profile kinds
(``wallet``, ``lean_wallet``…) the program is released to; ``cells`` is a selector: terms
separated by spaces that a cell must all meet: ``all``, ``online``, ``offline``,
``partner:<kind>``, ``network:<name>``, ``device:<name>``, ``below:<ES level>`` (the cell's
engine is older than that level). ``mentions`` are substrings the message must contain (an
API's name, a host, another call site): messages are otherwise free to change."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minirelease.compat.profiles import LANGUAGE_LEVELS, default_profiles

PROGRAMS_DIR = Path(__file__).parent / "programs"
EXPECTATIONS = "expected.json"
# The whitelists every corpus program is tested against, as its mini program's settings.
SERVER_DOMAINS = ("api.shop.example", "*.cdn.example.com", "push.shop.example")
H5_DOMAINS = ("h5.shop.example",)

Key = tuple[str, str | None, int | None, str]  # rule, file, line, severity
Cell = Mapping[str, Any]
_OS_LEVELS = {name: profile.language_level for name, profile in default_profiles().os.items()}


@dataclass(frozen=True)
class Expected:
    rule: str
    file: str | None
    line: int | None
    severity: str
    cells: str
    mentions: tuple[str, ...]

    @property
    def key(self) -> Key:
        return (self.rule, self.file, self.line, self.severity)


@dataclass(frozen=True)
class Program:
    name: str
    about: str
    partners: tuple[str, ...]
    files: dict[str, bytes]
    expected: tuple[Expected, ...]


def load_corpus(root: Path = PROGRAMS_DIR) -> list[Program]:
    return [_load(folder) for folder in sorted(root.iterdir()) if folder.is_dir()]


def _load(folder: Path) -> Program:
    spec = json.loads((folder / EXPECTATIONS).read_text())
    files = {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != EXPECTATIONS
    }
    expected = tuple(
        Expected(
            rule=item["rule"],
            file=item["file"],
            line=item["line"],
            severity=item["severity"],
            cells=item["cells"],
            mentions=tuple(item.get("mentions", ())),
        )
        for item in spec["findings"]
    )
    return Program(folder.name, spec["about"], tuple(spec["partners"]), files, expected)


def cell_matches(selector: str, cell: Cell, partner_kind: str) -> bool:
    """Whether ``cell`` (a report's cell, of a run for a partner app of ``partner_kind``)
    is one of the cells ``selector`` names."""
    for term in selector.split():
        name, _, value = term.partition(":")
        if name == "all":
            continue
        if name == "online":
            ok = cell["network"] != "offline"
        elif name == "offline":
            ok = cell["network"] == "offline"
        elif name == "partner":
            ok = partner_kind == value
        elif name in ("network", "device"):
            ok = cell[name] == value
        elif name == "below":
            level = _OS_LEVELS[f"{cell['platform']}-{cell['os_version']}"]
            ok = LANGUAGE_LEVELS.index(level) < LANGUAGE_LEVELS.index(value)
        else:
            raise ValueError(f"unknown cell selector term {term!r}")
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Outcome:
    """One program's findings over all its runs, against what it must produce."""

    program: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    true_found: int  # reported findings (by key) that are expected, in exactly their cells
    reported: int  # distinct keys, plus each repeat of a key within one run
    expected: int

    @property
    def passed(self) -> bool:
        return not self.missing and not self.extra


def compare(program: Program, reports: Mapping[str, Mapping[str, Any]]) -> Outcome:
    """``reports`` maps each partner kind of ``program`` to its run's report (JSON)."""
    wanted: dict[Key, set[str]] = {item.key: set() for item in program.expected}
    for kind, report in reports.items():
        for cell in report["cells"]:
            for item in program.expected:
                if cell_matches(item.cells, cell, kind):
                    wanted[item.key].add(cell["id"])
    got: dict[Key, set[str]] = {}
    messages: dict[Key, list[str]] = {}
    duplicates: list[str] = []
    repeats = 0  # findings beyond the first of their key in a run: one problem, one finding
    for report in reports.values():
        per_run = Counter(_key(finding) for finding in report["findings"])
        repeats += sum(n - 1 for n in per_run.values())
        duplicates += [
            f"{_show(key)} reported {n} times in one run" for key, n in per_run.items() if n > 1
        ]
        for finding in report["findings"]:
            got.setdefault(_key(finding), set()).update(finding["cells"])
            messages.setdefault(_key(finding), []).append(finding["message"])
    missing, extra = [], list(duplicates)
    true_found = 0
    for item in program.expected:
        cells = got.get(item.key)
        if cells is None:
            missing.append(_show(item.key))
        elif cells != wanted[item.key]:
            missing.append(f"{_show(item.key)} in {_cells_diff(wanted[item.key], cells)}")
        else:
            absent = [m for m in item.mentions if not any(m in text for text in messages[item.key])]
            if absent:
                missing.append(f"{_show(item.key)} message lacks {absent}: {messages[item.key]}")
            else:
                true_found += 1
    for key, cells in sorted(got.items(), key=lambda kv: str(kv[0])):
        if key not in wanted:
            extra.append(f"{_show(key)} in {len(cells)} cells: {messages[key][0]}")
    return Outcome(
        program.name,
        tuple(missing),
        tuple(extra),
        true_found,
        reported=len(got) + repeats,
        expected=len(program.expected),
    )


def score(outcomes: Iterable[Outcome]) -> tuple[float, float]:
    """Precision (share of reported findings that are expected, in their cells) and recall
    (share of expected findings reported, in their cells), over the corpus."""
    outcomes = list(outcomes)
    true = sum(o.true_found for o in outcomes)
    reported = sum(o.reported for o in outcomes)
    expected = sum(o.expected for o in outcomes)
    return (true / reported if reported else 1.0, true / expected if expected else 1.0)


def summary(outcomes: Sequence[Outcome]) -> str:
    precision, recall = score(outcomes)
    lines = [
        f"corpus: {sum(o.passed for o in outcomes)}/{len(outcomes)} programs exact; "
        f"precision {precision:.1%}, recall {recall:.1%}"
    ]
    for outcome in outcomes:
        lines.append(f"  {'PASS' if outcome.passed else 'FAIL'} {outcome.program}")
        lines += [f"      missing: {line}" for line in outcome.missing]
        lines += [f"      extra:   {line}" for line in outcome.extra]
    return "\n".join(lines)


def _key(finding: Mapping[str, Any]) -> Key:
    return (finding["rule"], finding["file"], finding["line"], finding["severity"])


def _show(key: Key) -> str:
    rule, file, line, severity = key
    return f"{rule} {file}:{line} ({severity})"


def _cells_diff(wanted: set[str], got: set[str]) -> str:
    lacking, over = sorted(wanted - got), sorted(got - wanted)
    return (
        f"wrong cells: {len(lacking)} missing (e.g. {lacking[:2]}), "
        f"{len(over)} extra (e.g. {over[:2]})"
    )
