"""The runtime smoke test of one cell (design §5): the package's lifecycle run in the engine
over the cell's JSAPIs and network, its events turned into findings. A cell whose network
fails (offline, or losing requests) is also run on a working network; what goes wrong only
when the network fails is an ``offline-crash``, one finding for every such cell. When the
engine's process crashes, hangs or outgrows its memory, the cell gets one
``runtime-crashed`` finding saying so instead of the runtime findings it could not make."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from minirelease.compat.child_process import MIB
from minirelease.compat.jsapi_sites import CallSite, described
from minirelease.compat.model import (
    JSAPI_UNSUPPORTED,
    OFFLINE_CRASH,
    RUNTIME_CRASHED,
    RUNTIME_EXCEPTION,
    STARTUP_TIMEOUT,
    UNHANDLED_REJECTION,
    Finding,
)
from minirelease.compat.runtime.limits import DEFAULT_TIME_BUDGET_MS, HEAP_LIMIT_BYTES
from minirelease.compat.runtime.network import REFERENCE_NETWORK, Network
from minirelease.compat.runtime.pool import EngineStopped
from minirelease.compat.runtime.results import ApiCall, EngineRun, Event
from minirelease.compat.runtime.scripts import Scripts, scripts_of
from minirelease.compat.static_rules import SHOWN_CALL_SITES


class Engine(Protocol):
    """Runs a package's lifecycle once (``pool.EnginePool`` in engine processes); raises
    ``EngineStopped`` when the engine went down instead of answering."""

    def run(
        self,
        scripts: Scripts,
        *,
        pages: Sequence[str],
        jsapis: Iterable[str],
        network: Network,
        time_budget_ms: int,
    ) -> EngineRun: ...


_RULE_OF: Final = {"exception": RUNTIME_EXCEPTION, "rejection": UNHANDLED_REJECTION}


def run_smoke(
    files: Mapping[str, bytes],
    *,
    pages: Sequence[str],
    jsapis: Iterable[str],
    network: Network | Mapping[str, Any],
    engine: Engine,
    time_budget_ms: int = DEFAULT_TIME_BUDGET_MS,
) -> list[Finding]:
    """Run ``app.js`` and every page's script (``pages``: paths from the package root, as
    app.json lists them, subpackage pages with their root) through App onLaunch/onShow and
    each page's onLoad/onShow/onReady, and return the findings, sorted and without
    duplicates. ``time_budget_ms`` bounds each engine run's wall-clock time."""
    return smoke_findings(
        scripts_of(files),
        pages=pages,
        jsapis=frozenset(jsapis),
        network=network if isinstance(network, Network) else Network.from_profile(network),
        engine=engine,
        time_budget_ms=time_budget_ms,
    )


def smoke_findings(
    scripts: Scripts,
    *,
    pages: Sequence[str],
    jsapis: frozenset[str],
    network: Network,
    engine: Engine,
    time_budget_ms: int,
    reported_calls: frozenset[tuple[str, int, str]] = frozenset(),
) -> list[Finding]:
    """``run_smoke`` over scripts already prepared by ``scripts_of`` (once per package).
    Unsupported calls at a ``(file, line, api)`` of ``reported_calls`` are left out: the
    static rule already reports them, and one problem should be one finding."""
    smoke = smoke_test(
        scripts,
        pages=pages,
        jsapis=jsapis,
        network=network,
        engine=engine,
        time_budget_ms=time_budget_ms,
        reported_calls=reported_calls,
    )
    return list(smoke.findings)


@dataclass(frozen=True)
class Smoke:
    """A cell's smoke test: its findings, and the run they came from (None when the engine
    went down), whose network calls the URL checks read."""

    findings: tuple[Finding, ...]
    run: EngineRun | None


def smoke_test(
    scripts: Scripts,
    *,
    pages: Sequence[str],
    jsapis: frozenset[str],
    network: Network,
    engine: Engine,
    time_budget_ms: int,
    reported_calls: frozenset[tuple[str, int, str]] = frozenset(),
) -> Smoke:
    """``smoke_findings`` with the cell's run, sorted and without duplicates."""
    if time_budget_ms <= 0:
        raise ValueError(f"time_budget_ms must be positive, not {time_budget_ms}")

    def run(on: Network) -> EngineRun:
        return engine.run(
            scripts, pages=pages, jsapis=jsapis, network=on, time_budget_ms=time_budget_ms
        )

    try:
        cell_run = run(network)
        # Offline, or losing requests: what goes wrong only there, and not on a working
        # network, is the network's failure, one finding whichever network fails.
        failing = network.offline or network.loss > 0
        working = run(REFERENCE_NETWORK) if failing else None
    except EngineStopped as stopped:
        return Smoke((_crashed(stopped, network),), None)
    findings = set(_findings(cell_run, working, time_budget_ms, reported_calls))
    ordered = sorted(findings, key=lambda f: (f.rule, f.file or "", f.line or 0, f.message))
    return Smoke(tuple(ordered), cell_run)


def _findings(
    run: EngineRun,
    working: EngineRun | None,
    budget_ms: int,
    reported_calls: frozenset[tuple[str, int, str]],
) -> Iterator[Finding]:
    # A crash at an unsupported call is that call's (jsapi-unsupported), not a crash of its own.
    unsupported_at = {(call.file, call.line) for call in run.calls if call.unsupported}
    also_online = {_key(event) for event in _kept(working)} if working else None
    places: set[tuple[str, str | None, int | None]] = set()
    for event in _kept(run):
        if (event.file, event.line) in unsupported_at or _key(event) in places:
            continue  # one finding per place: a loop failing on each item is one fault
        places.add(_key(event))
        if also_online is not None and _key(event) not in also_online:
            message = f"only when the network fails (offline or a request lost): {event.message}"
            yield Finding(OFFLINE_CRASH, event.file, event.line, event.column, message)
        else:
            yield Finding(_RULE_OF[event.kind], event.file, event.line, event.column, event.message)
    yield from _unsupported(run.calls, reported_calls)
    if run.aborted == "timeout":
        yield _timeout(run, budget_ms)
    elif run.aborted == "memory":
        yield Finding(
            RUNTIME_EXCEPTION,
            run.aborted_file,
            None,
            None,
            f"ran out of the {HEAP_LIMIT_BYTES // MIB} MiB memory limit while {run.aborted_in}",
        )


def _kept(run: EngineRun) -> Iterator[Event]:
    # A promise of a step cut off by its budget may have been about to get its handler:
    # only exceptions, which did happen, count in a timed-out run.
    for event in run.events:
        if run.aborted != "timeout" or event.kind == "exception":
            yield event


def _unsupported(
    calls: Sequence[ApiCall], reported_calls: frozenset[tuple[str, int, str]]
) -> Iterator[Finding]:
    """One finding per unsupported JSAPI, at its first call site, naming every site as the
    static rule does."""
    sites: dict[str, dict[tuple[str, int], CallSite]] = {}
    for call in calls:
        if call.unsupported and (call.file, call.line, call.api) not in reported_calls:
            places = sites.setdefault(call.api, {})
            if call.file is not None and call.line is not None:
                site = CallSite(call.file, call.line, call.column or 0)
                places.setdefault((call.file, call.line), site)
    for api, places in sorted(sites.items()):
        ordered = sorted(places.values())
        first = ordered[0] if ordered else None
        listed = f" ({described(ordered, SHOWN_CALL_SITES)})" if len(ordered) > 1 else ""
        yield Finding(
            JSAPI_UNSUPPORTED,
            first.file if first else None,
            first.line if first else None,
            (first.column or None) if first else None,
            f"{api} was called at run time but the partner app does not offer it{listed}; "
            f"call it only under my.canIUse('{api.removeprefix('my.')}')",
        )


def _timeout(run: EngineRun, budget_ms: int) -> Finding:
    # Names no network: cells on every network share the finding of one endless loop.
    still = f"{run.aborted_in} was still running"
    if run.aborted_loop is not None:
        loop = run.aborted_loop
        return Finding(
            STARTUP_TIMEOUT,
            loop.file,
            loop.line,
            None,
            f"start-up did not finish within the {budget_ms} ms budget: {still}, "
            f"in the loop at {loop.file}:{loop.line}",
        )
    if run.aborted_in_timers:
        still += ", in timers it had set"
    return Finding(
        STARTUP_TIMEOUT,
        run.aborted_file,
        None,
        None,
        f"start-up did not finish within the {budget_ms} ms budget: {still}",
    )


def _crashed(stopped: EngineStopped, network: Network) -> Finding:
    return Finding(
        RUNTIME_CRASHED,
        None,
        None,
        None,
        f"the JavaScript engine {stopped.reason} while running the app's and pages' "
        f"lifecycle on the {network.name} network; the runtime checks of these cells "
        "did not complete (the other rules' findings stand)",
    )


def _key(event: Event) -> tuple[str, str | None, int | None]:
    return event.kind, event.file, event.line
