"""The runtime smoke test of one cell (design §5): the package's lifecycle run in the engine
over the cell's JSAPIs and network, its events turned into findings. A cell whose network
fails (offline, or losing requests) is also run on a working network; what goes wrong only
when the network fails is an ``offline-crash``, one finding for every such cell. A step
cut off by its budget or by memory is one finding, beside what the other steps found. When
the engine's process crashes, hangs or outgrows its memory, the cell gets one
``runtime-crashed`` finding saying so, beside what the steps it reported before found."""

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
from minirelease.compat.runtime.limits import (
    DEFAULT_STEP_BUDGET_MS,
    DEFAULT_TIME_BUDGET_MS,
    HEAP_LIMIT_BYTES,
)
from minirelease.compat.runtime.network import REFERENCE_NETWORK, Network
from minirelease.compat.runtime.pool import EngineStopped
from minirelease.compat.runtime.results import ApiCall, Cutoff, EngineRun, Event
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
        step_budget_ms: int,
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
    step_budget_ms: int = DEFAULT_STEP_BUDGET_MS,
) -> list[Finding]:
    """Run ``app.js`` and every page's script (``pages``: paths from the package root, as
    app.json lists them, subpackage pages with their root) through App onLaunch/onShow and
    each page's onLoad/onShow/onReady, and return the findings, sorted and without
    duplicates. ``step_budget_ms`` bounds each of those steps' wall-clock time (a hook
    and its timers), ``time_budget_ms`` each engine run's."""
    return smoke_findings(
        scripts_of(files),
        pages=pages,
        jsapis=frozenset(jsapis),
        network=network if isinstance(network, Network) else Network.from_profile(network),
        engine=engine,
        time_budget_ms=time_budget_ms,
        step_budget_ms=step_budget_ms,
    )


def smoke_findings(
    scripts: Scripts,
    *,
    pages: Sequence[str],
    jsapis: frozenset[str],
    network: Network,
    engine: Engine,
    time_budget_ms: int,
    step_budget_ms: int = DEFAULT_STEP_BUDGET_MS,
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
        step_budget_ms=step_budget_ms,
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
    step_budget_ms: int = DEFAULT_STEP_BUDGET_MS,
    reported_calls: frozenset[tuple[str, int, str]] = frozenset(),
) -> Smoke:
    """``smoke_findings`` with the cell's run, sorted and without duplicates."""
    for name, budget in (("time_budget_ms", time_budget_ms), ("step_budget_ms", step_budget_ms)):
        if budget <= 0:
            raise ValueError(f"{name} must be positive, not {budget}")

    def run(on: Network) -> EngineRun:
        return engine.run(
            scripts,
            pages=pages,
            jsapis=jsapis,
            network=on,
            time_budget_ms=time_budget_ms,
            step_budget_ms=step_budget_ms,
        )

    crashed: list[Finding] = []
    working: EngineRun | None = None
    try:
        cell_run = run(network)
    except EngineStopped as stopped:
        if stopped.partial is None:
            return Smoke((_crashed(stopped, network),), None)
        # What the steps before the engine went down found stands beside the crash.
        cell_run, crashed = stopped.partial, [_crashed(stopped, network)]
    # Offline, or losing requests: what goes wrong only there, and not on a working
    # network, is the network's failure, one finding whichever network fails.
    if network.offline or network.loss > 0:
        try:
            working = run(REFERENCE_NETWORK)
        except EngineStopped as stopped:
            # No comparison: what this network's run found is reported as it is.
            crashed.append(_crashed(stopped, REFERENCE_NETWORK))
    findings = set(_findings(cell_run, working, reported_calls)) | set(crashed)
    ordered = sorted(findings, key=lambda f: (f.rule, f.file or "", f.line or 0, f.message))
    return Smoke(tuple(ordered), cell_run)


def _findings(
    run: EngineRun,
    working: EngineRun | None,
    reported_calls: frozenset[tuple[str, int, str]],
) -> Iterator[Finding]:
    # A crash at an unsupported call is that call's (jsapi-unsupported), not a crash of its own.
    unsupported_at = {(call.file, call.line) for call in run.calls if call.unsupported}
    also_online = {_key(event) for event in working.events} if working else None
    places: set[tuple[str, str | None, int | None]] = set()
    for event in run.events:
        if (event.file, event.line) in unsupported_at or _key(event) in places:
            continue  # one finding per place: a loop failing on each item is one fault
        places.add(_key(event))
        if also_online is not None and _key(event) not in also_online:
            message = f"only when the network fails (offline or a request lost): {event.message}"
            yield Finding(OFFLINE_CRASH, event.file, event.line, event.column, message)
        else:
            yield Finding(_RULE_OF[event.kind], event.file, event.line, event.column, event.message)
    yield from _unsupported(run.calls, reported_calls)
    for cutoff in run.cutoffs:
        yield _timeout(cutoff) if cutoff.kind == "timeout" else _out_of_memory(cutoff)


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


def _timeout(cutoff: Cutoff) -> Finding:
    # Names no network: cells on every network share the finding of one endless loop.
    scope = "the whole run" if cutoff.whole_run else "one lifecycle step"
    message = (
        f"start-up did not finish within the {cutoff.budget_ms} ms budget of {scope}: "
        f"{cutoff.step} was still running"
    )
    file, line = cutoff.file, None
    if cutoff.loop is not None:
        file, line = cutoff.loop.file, cutoff.loop.line
        message += f", in the loop at {file}:{line}"
    elif cutoff.in_timers:
        message += ", in timers it had set"
    if cutoff.whole_run:
        message += "; the steps after it did not run"
    return Finding(STARTUP_TIMEOUT, file, line, None, message + _fresh(cutoff))


def _out_of_memory(cutoff: Cutoff) -> Finding:
    heap = cutoff.heap_bytes or HEAP_LIMIT_BYTES
    message = f"ran out of the {heap // MIB} MiB memory limit while {cutoff.step}"
    return Finding(RUNTIME_EXCEPTION, cutoff.file, None, None, message + _fresh(cutoff))


def _fresh(cutoff: Cutoff) -> str:
    if cutoff.fresh_after is None:
        return ""
    return f"; the page ran in a fresh engine, after {cutoff.fresh_after} was cut off"


def _crashed(stopped: EngineStopped, network: Network) -> Finding:
    return Finding(
        RUNTIME_CRASHED,
        None,
        None,
        None,
        f"the JavaScript engine {stopped.reason} while running the app's and pages' "
        f"lifecycle on the {network.name} network; the runtime checks of these cells "
        "did not complete (what the steps before found, and the other rules' findings, stand)",
    )


def _key(event: Event) -> tuple[str, str | None, int | None]:
    return event.kind, event.file, event.line
