"""The smoke test as a rule of the analyzer: one ``Rule`` whose check runs the engine once
and returns findings of every runtime rule id. Its key is the cell's JSAPIs and network, so
cells that share them share one engine run (and one ``runtime-crashed`` finding, when the
engine goes down); the scripts are prepared once per package."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Final

from minirelease.compat.analyzer import Rule
from minirelease.compat.model import CellContext, Finding
from minirelease.compat.parsed import ParsedPackage
from minirelease.compat.runtime.limits import DEFAULT_TIME_BUDGET_MS
from minirelease.compat.runtime.network import REFERENCE_NETWORK, Network
from minirelease.compat.runtime.reachable import reachable_scripts
from minirelease.compat.runtime.scripts import Scripts, scripts_of
from minirelease.compat.runtime.smoke import Engine, smoke_findings

RUNTIME_SMOKE: Final = "runtime-smoke"  # the rule's id; its findings carry the runtime ids

NetworkOf = Callable[[CellContext], Network]


def cell_network(context: CellContext) -> Network:
    """The cell's network profile; a matrix without networks runs on the reference wifi."""
    return Network.of(context.network) if context.network is not None else REFERENCE_NETWORK


def runtime_rules(
    engine: Engine,
    network_of: NetworkOf = cell_network,
    *,
    time_budget_ms: int = DEFAULT_TIME_BUDGET_MS,
) -> tuple[Rule, ...]:
    """A fresh rule per run: it keeps the package's prepared scripts between cells."""
    prepared: dict[int, tuple[Mapping[str, bytes], _Prepared]] = {}

    def prepare(parsed: ParsedPackage) -> _Prepared:
        # Keyed by the files mapping itself (kept alive in the entry, so its id stays unique).
        entry = prepared.get(id(parsed.files))
        if entry is None or entry[0] is not parsed.files:
            prepared.clear()
            entry = prepared[id(parsed.files)] = (parsed.files, _Prepared.of(parsed))
        return entry[1]

    def check(parsed: ParsedPackage, context: CellContext) -> list[Finding]:
        package = prepare(parsed)
        return smoke_findings(
            package.scripts,
            pages=package.pages,
            jsapis=context.target.jsapis,
            network=network_of(context),
            engine=engine,
            time_budget_ms=time_budget_ms,
            reported_calls=package.static_calls,
        )

    def varies_with(context: CellContext) -> Hashable:
        return context.target.jsapis, network_of(context)

    return (Rule(RUNTIME_SMOKE, check, varies_with),)


@dataclass(frozen=True)
class _Prepared:
    """What every engine run of one package shares."""

    scripts: Scripts
    pages: list[str]
    static_calls: frozenset[tuple[str, int, str]]

    @classmethod
    def of(cls, parsed: ParsedPackage) -> _Prepared:
        pages = [f"{root}/{page}" if root else page for root, page in parsed.app.page_locations()]
        # Unguarded calls the static jsapi-unsupported rule sees; the engine then reports
        # only the calls static analysis cannot see (computed names, aliases of ``my``).
        static_calls = frozenset(
            (path, call.line, call.api)
            for path, facts in parsed.scripts.items()
            for call in facts.calls
            if not call.guarded
        )
        texts = {
            path: data.decode("utf-8-sig", errors="replace")
            for path, data in parsed.files.items()
            if path.endswith(".js")
        }
        reachable = reachable_scripts(texts, ["app.js", *(f"{page}.js" for page in pages)])
        scripts = scripts_of({path: parsed.files[path] for path in reachable})
        return cls(scripts, pages, static_calls)
