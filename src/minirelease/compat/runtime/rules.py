"""The smoke test as a rule of the analyzer: one ``Rule`` whose check runs the engine once
and returns findings of every runtime rule id. Its key is the cell's JSAPIs and network, so
cells that share them share one engine run; the scripts are prepared once per package."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Final

from minirelease.compat.analyzer import Rule
from minirelease.compat.model import CellContext, Finding
from minirelease.compat.parsed import ParsedPackage
from minirelease.compat.runtime.engine import scripts_of
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.smoke import DEFAULT_TIME_BUDGET_MS, smoke_findings

RUNTIME_SMOKE: Final = "runtime-smoke"  # the rule's id; its findings carry the runtime ids


def runtime_rules(
    network_of: Callable[[CellContext], Network],
    *,
    time_budget_ms: int = DEFAULT_TIME_BUDGET_MS,
) -> tuple[Rule, ...]:
    """``network_of`` reads a cell's network profile (the cell context grows one field
    for it; until then the caller says where it is)."""
    prepared: dict[int, tuple[Mapping[str, bytes], dict[str, str]]] = {}

    def scripts(parsed: ParsedPackage) -> dict[str, str]:
        # Keyed by the files mapping itself (kept alive in the entry, so its id stays unique).
        entry = prepared.get(id(parsed.files))
        if entry is None or entry[0] is not parsed.files:
            prepared.clear()
            entry = prepared[id(parsed.files)] = (parsed.files, scripts_of(parsed.files))
        return entry[1]

    def check(parsed: ParsedPackage, context: CellContext) -> list[Finding]:
        pages = [f"{root}/{page}" if root else page for root, page in parsed.app.page_locations()]
        return smoke_findings(
            scripts(parsed),
            pages=pages,
            jsapis=context.target.jsapis,
            network=network_of(context),
            time_budget_ms=time_budget_ms,
        )

    def varies_with(context: CellContext) -> Hashable:
        return context.target.jsapis, network_of(context)

    return (Rule(RUNTIME_SMOKE, check, varies_with),)
