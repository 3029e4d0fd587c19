"""The smoke test as a rule of the analyzer: one ``Rule`` whose check returns findings of
every runtime rule id, and of the URL rules for what the program requested at run time.

The engine runs once per distinct (JSAPIs, network) of the matrix (cells that share them
share one run, and one ``runtime-crashed`` finding when the engine goes down); the URL
checks, which read the mini program's whitelist, are made per target from that run. The
scripts are prepared once per package, and a run with a step cut off by its budget, given
no network answer, serves every later cell that would run the same way: an endless loop
costs one step's budget per program, not one per network."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from minirelease.compat import model, static_rules
from minirelease.compat.analyzer import Rule
from minirelease.compat.domains_match import is_whitelisted
from minirelease.compat.jsfacts import NETWORK_APIS
from minirelease.compat.model import OFFLINE_CRASH, CellContext, Finding
from minirelease.compat.parsed import ParsedPackage
from minirelease.compat.runtime.limits import DEFAULT_STEP_BUDGET_MS, DEFAULT_TIME_BUDGET_MS
from minirelease.compat.runtime.network import REFERENCE_NETWORK, Network
from minirelease.compat.runtime.results import EngineRun
from minirelease.compat.runtime.scripts import Scripts, scripts_of
from minirelease.compat.runtime.smoke import Engine, Smoke, smoke_test
from minirelease.compat.syntax import StaticText
from minirelease.compat.urls import url_target

RUNTIME_SMOKE: Final = "runtime-smoke"  # the rule's id; its findings carry the runtime ids
# Calls whose answer depends on the network, and the JSAPIs that tell which network it is.
_NETWORK_CALLS: Final = NETWORK_APIS | {"my.httpRequest"}
_SHOWN_MAX_CHARS: Final = 120

NetworkOf = Callable[[CellContext], Network]


def cell_network(context: CellContext) -> Network:
    """The cell's network profile; a matrix without networks runs on the reference wifi."""
    return Network.of(context.network) if context.network is not None else REFERENCE_NETWORK


def runtime_rules(
    engine: Engine,
    network_of: NetworkOf = cell_network,
    *,
    time_budget_ms: int = DEFAULT_TIME_BUDGET_MS,
    step_budget_ms: int = DEFAULT_STEP_BUDGET_MS,
) -> tuple[Rule, ...]:
    """A fresh rule per run: it keeps the package's prepared scripts and engine runs
    between cells."""
    prepared: dict[int, tuple[Mapping[str, bytes], _Package]] = {}

    def prepare(parsed: ParsedPackage) -> _Package:
        # Keyed by the files mapping itself (kept alive in the entry, so its id stays unique).
        entry = prepared.get(id(parsed.files))
        if entry is None or entry[0] is not parsed.files:
            prepared.clear()
            entry = prepared[id(parsed.files)] = (parsed.files, _Package.of(parsed, engine))
        return entry[1]

    def check(parsed: ParsedPackage, context: CellContext) -> list[Finding]:
        package = prepare(parsed)
        jsapis, network = context.target.jsapis, network_of(context)
        smoke = package.smoke.get((jsapis, network))
        if smoke is None:
            smoke = package.smoke[jsapis, network] = smoke_test(
                package.scripts,
                pages=package.pages,
                jsapis=jsapis,
                network=network,
                engine=package.engine,
                time_budget_ms=time_budget_ms,
                step_budget_ms=step_budget_ms,
                reported_calls=package.static_calls,
            )
        requested = requested_url_findings(parsed, context, smoke.run) if smoke.run else []
        return [*map(package.same_failure, smoke.findings), *requested]

    def varies_with(context: CellContext) -> Hashable:
        # The whitelist too: the URL checks read it (engine runs are kept per JSAPIs and
        # network, so a partner app with another whitelist costs no engine run).
        return context.target.jsapis, network_of(context), context.target.server_domains

    return (Rule(RUNTIME_SMOKE, check, varies_with),)


@dataclass
class _Package:
    """What every cell of one package shares: the prepared scripts and the engine runs."""

    scripts: Scripts
    pages: list[str]
    static_calls: frozenset[tuple[str, int, str]]
    engine: _TimeoutReuse
    smoke: dict[tuple[frozenset[str], Network], Smoke] = field(default_factory=dict)
    failures: dict[tuple[str | None, int | None], Finding] = field(default_factory=dict)

    def same_failure(self, finding: Finding) -> Finding:
        """An offline-crash as first found at its place: offline and on a network losing
        requests, the same line may fail on other data (reading 'a', reading 'c'), and
        one place that breaks when the network fails is one finding for all those cells."""
        if finding.rule != OFFLINE_CRASH:
            return finding
        return self.failures.setdefault((finding.file, finding.line), finding)

    @classmethod
    def of(cls, parsed: ParsedPackage, engine: Engine) -> _Package:
        pages = [f"{root}/{page}" if root else page for root, page in parsed.app.page_locations()]
        # The calls the static jsapi-unsupported rule reports; the engine then reports only
        # the calls static analysis cannot see (computed names, aliases of ``my``).
        static_calls = frozenset(
            (site.file, site.line, api)
            for api, sites in parsed.host_calls.items()
            for site in sites
        )
        defined = {name for facts in parsed.scripts.values() for name in facts.defined}
        entries = ["app.js", *(f"{page}.js" for page in pages)]
        scripts = scripts_of(
            parsed.files, entries, program_defined=defined, opened_bare=opened_bare(parsed)
        )
        return cls(scripts, pages, static_calls, _TimeoutReuse(engine))


def opened_bare(parsed: ParsedPackage) -> list[str]:
    """The pages a user opens without a query: the first page and the tab bar's (Alipay's
    ``tabBar.items``, WeChat-style ``tabBar.list``). Every other page is opened by the code
    that navigates to it, with a query the lab cannot know."""
    pages = [page for _, page in parsed.app.page_locations()][:1]
    tab_bar = parsed.app.raw.get("tabBar")
    if isinstance(tab_bar, dict):
        for key in ("items", "list"):
            items = tab_bar.get(key)
            for item in items if isinstance(items, list) else []:
                path = item.get("pagePath") if isinstance(item, dict) else None
                if isinstance(path, str):
                    pages.append(path.strip("/"))
    return pages


class _TimeoutReuse:
    """An ``Engine`` that answers a run with an earlier one with a step cut off by its
    budget, when the program would run the same way: the earlier run was given no network
    answer, the JSAPIs it touched are offered alike, and the network could not have told."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.timed_out: list[tuple[frozenset[str], Network, tuple[int, int], EngineRun]] = []
        # Every run once: the reference network's serves each failing network's comparison.
        self.done: dict[tuple[frozenset[str], Network, tuple[int, int]], EngineRun] = {}

    def run(
        self,
        scripts: Scripts,
        *,
        pages: Sequence[str],
        jsapis: Iterable[str],
        network: Network,
        time_budget_ms: int,
        step_budget_ms: int,
    ) -> EngineRun:
        offered = frozenset(jsapis)
        budgets = (time_budget_ms, step_budget_ms)
        known = self.done.get((offered, network, budgets))
        if known is not None:
            return known
        for ran_with, ran_on, ran_budgets, run in self.timed_out:
            if ran_budgets == budgets and _replays(run, ran_with, ran_on, offered, network):
                return run
        run = self.engine.run(
            scripts,
            pages=pages,
            jsapis=offered,
            network=network,
            time_budget_ms=time_budget_ms,
            step_budget_ms=step_budget_ms,
        )
        kinds = {cutoff.kind for cutoff in run.cutoffs}
        if kinds == {"timeout"} and run.answered == 0 and run.touched is not None:
            self.timed_out.append((offered, network, budgets, run))
        self.done[(offered, network, budgets)] = run
        return run


def _replays(
    run: EngineRun,
    ran_with: frozenset[str],
    ran_on: Network,
    jsapis: frozenset[str],
    network: Network,
) -> bool:
    """Whether a run on ``jsapis`` and ``network`` would go as ``run`` did."""
    touched = run.touched or ()
    if any((api in ran_with) != (api in jsapis) for api in touched):
        return False
    if network == ran_on:
        return True
    if any("Network" in api for api in touched):  # getNetworkType, onNetworkStatusChange
        return False
    # Unanswered requests are pending on any network only while the step that made them
    # has not yet let a timer run: then no network's answer could have come first.
    requests = [call for call in run.calls if call.api in _NETWORK_CALLS or call.url]
    return not requests or (
        not any(cutoff.in_timers for cutoff in run.cutoffs)
        and all(call.at_ms == run.virtual_ms for call in requests)
    )


def requested_url_findings(
    parsed: ParsedPackage, context: CellContext, run: EngineRun
) -> list[Finding]:
    """insecure-url and domain-not-whitelisted for every URL the run's network calls
    requested, at the call; not where the static rules already report the same."""
    reported = _statically_reported(parsed, context)
    findings: dict[tuple[str, str | None, int | None], Finding] = {}
    for finding in _requested(run, context.target.server_domains):
        key = (finding.rule, finding.file, finding.line)
        if key not in reported:
            findings.setdefault(key, finding)  # one per call site: the first URL it asked
    return list(findings.values())


def _requested(run: EngineRun, server_domains: tuple[str, ...]) -> Iterator[Finding]:
    for call in run.calls:
        if call.url is None:
            continue
        target = url_target(StaticText(call.url, complete=True))
        if target is None:
            continue  # a relative URL or another scheme: nothing a whitelist covers
        shown = _shown(call.url)
        if target.insecure:
            secure = "https" if target.scheme == "http" else "wss"
            message = f"{call.api} loads {shown} at run time over {target.scheme}://; "
            message += f"use {secure}://"
            yield Finding(model.INSECURE_URL, call.file, call.line, call.column, message)
        elif target.raw_host is not None:
            if target.host is not None and is_whitelisted(target.host, server_domains):
                continue
            if target.host is None:
                problem = f"its host {target.raw_host!r} cannot be whitelisted: "
                problem += str(target.host_problem)
            else:
                problem = f"{target.host} is not on the mini program's server domain whitelist"
            message = f"{call.api} loads {shown} at run time; {problem}"
            yield Finding(model.DOMAIN_NOT_WHITELISTED, call.file, call.line, call.column, message)


def _statically_reported(
    parsed: ParsedPackage, context: CellContext
) -> set[tuple[str, str | None, int | None]]:
    """(rule, file, line) of the static URL findings, at the URL and at the network call it
    belongs to (the line the engine reports when a call spans lines)."""
    static = [
        *static_rules.insecure_url(parsed, context),
        *static_rules.domain_not_whitelisted(parsed, context),
    ]
    reported: set[tuple[str, str | None, int | None]] = set()
    for finding in static:
        reported.add((finding.rule, finding.file, finding.line))
        facts = parsed.scripts.get(finding.file or "")
        if facts is None or finding.line is None:
            continue
        starts = [
            call.line
            for call in facts.calls
            if call.api in _NETWORK_CALLS and call.line <= finding.line
        ]
        if starts:
            reported.add((finding.rule, finding.file, max(starts)))
    return reported


def _shown(url: str) -> str:
    return repr(url if len(url) <= _SHOWN_MAX_CHARS else url[: _SHOWN_MAX_CHARS - 1] + "…")
