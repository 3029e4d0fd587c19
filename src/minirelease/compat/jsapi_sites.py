"""The ``my.*`` calls that reach the host, in the scripts that can load, grouped by API: a
call counts unless a guard proves its API available where it runs, or the program defines
that name itself (``my.fncontext = …`` in app.js makes ``my.fncontext.callFunction()`` in a
page the program's own function). Computed once per run; the jsapi-unsupported rule then
reports one finding per API a partner app lacks, with every place it is called."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from minirelease.compat.jsfacts import ScriptFacts


@dataclass(frozen=True, order=True)
class CallSite:
    file: str
    line: int
    column: int


def program_defines(api: str, defined: frozenset[str]) -> bool:
    """Whether ``api`` is, or is reached through, a name the program assigns on ``my``."""
    name = api
    while True:
        if name in defined:
            return True
        name, dot, _ = name.rpartition(".")
        if not dot:
            return False


def host_calls(scripts: Mapping[str, ScriptFacts]) -> dict[str, tuple[CallSite, ...]]:
    """API → its unguarded call sites, sorted by file, line and column; APIs in name order."""
    defined = frozenset().union(*(facts.defined for facts in scripts.values()))
    sites: dict[str, list[CallSite]] = {}
    for path, facts in scripts.items():
        for call in facts.calls:
            if call.guarded or program_defines(call.api, defined):
                continue
            sites.setdefault(call.api, []).append(CallSite(path, call.line, call.column))
    return {api: tuple(sorted(sites[api])) for api in sorted(sites)}


def described(sites: Iterable[CallSite], shown: int) -> str:
    """``3 places: a.js:3, b.js:10, c.js:7``, the first ``shown`` named, then "and N more"."""
    every = list(sites)
    named = ", ".join(f"{site.file}:{site.line}" for site in every[:shown])
    more = f" and {len(every) - shown} more" if len(every) > shown else ""
    return f"{len(every)} places: {named}{more}"
