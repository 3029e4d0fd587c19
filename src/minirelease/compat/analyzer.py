"""Evaluating rules over a matrix: the package is parsed once, then each rule runs once per
group of cells it cannot tell apart, and its findings are attached to every cell of the
group. The cost is files + cells, not files x cells.

A rule is a function ``(parsed, context) -> findings`` plus the key that says which parts of
a cell it depends on; the static rules and the runtime smoke test (compat/runtime) are
added the same way."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from minirelease.compat.model import CellContext, Finding, MatrixFinding
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import ParsedPackage, Parsers, parse_package

Check = Callable[[ParsedPackage, CellContext], Iterable[Finding]]
CellKey = Callable[[CellContext], Hashable]


def same_everywhere(context: CellContext) -> Hashable:
    """For rules that read only the package: one evaluation serves the whole matrix."""
    return None


def per_target(context: CellContext) -> Hashable:
    """For rules that read the partner app's capabilities, limits or the whitelists."""
    return context.target


@dataclass(frozen=True)
class Rule:
    id: str
    check: Check
    # Cells with equal keys get the same findings, so the rule runs once per distinct key.
    varies_with: CellKey = per_target


@dataclass(frozen=True)
class Analysis:
    parsed: ParsedPackage
    contexts: tuple[CellContext, ...]
    findings: tuple[MatrixFinding, ...]  # sorted by rule, file, line, column, message


Progress = Callable[[int, int], object]  # (cells done, cells in all)


def analyze(
    package: BuiltPackage,
    contexts: Sequence[CellContext],
    rules: Sequence[Rule],
    *,
    parsers: Parsers | None = None,
    progress: Progress | None = None,
) -> Analysis:
    parsed = parse_package(package, parsers=parsers)
    findings = evaluate(parsed, contexts, rules, progress=progress)
    return Analysis(parsed, tuple(contexts), tuple(findings))


def evaluate(
    parsed: ParsedPackage,
    contexts: Sequence[CellContext],
    rules: Sequence[Rule],
    *,
    progress: Progress | None = None,
) -> list[MatrixFinding]:
    """Cell by cell, so that progress counts finished cells; a rule runs on the first cell
    of each key and its findings are reused for every later cell with that key."""
    _refuse_duplicate_cells(contexts)
    order = {context.cell.id: index for index, context in enumerate(contexts)}
    cells_of: dict[Finding, set[str]] = {}
    evaluated: dict[tuple[int, Hashable], tuple[Finding, ...]] = {}
    for done, context in enumerate(contexts, start=1):
        for index, rule in enumerate(rules):
            key = (index, rule.varies_with(context))
            found = evaluated.get(key)
            if found is None:
                found = evaluated[key] = tuple(rule.check(parsed, context))
            for finding in found:
                cells_of.setdefault(finding, set()).add(context.cell.id)
        if progress is not None:
            progress(done, len(contexts))
    return [
        MatrixFinding(finding, tuple(sorted(cells, key=order.__getitem__)))
        for finding, cells in sorted(cells_of.items(), key=lambda item: _order(item[0]))
    ]


_NO_POSITION: Final = -1


def _order(finding: Finding) -> tuple[str, str, int, int, str]:
    return (
        finding.rule,
        finding.file or "",
        finding.line if finding.line is not None else _NO_POSITION,
        finding.column if finding.column is not None else _NO_POSITION,
        finding.message,
    )


def _refuse_duplicate_cells(contexts: Sequence[CellContext]) -> None:
    seen: set[str] = set()
    for context in contexts:
        if context.cell.id in seen:
            raise ValueError(f"cell {context.cell.id!r} appears twice in the matrix")
        seen.add(context.cell.id)
