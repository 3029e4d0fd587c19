"""The runtime smoke test of one cell (design §5): the package's lifecycle run in the engine
over the cell's JSAPIs and network, its events turned into findings. An offline cell is also
run on a working network; what goes wrong only offline is an ``offline-crash``. When the
engine's process crashes, hangs or outgrows its memory, the cell gets one
``runtime-crashed`` finding saying so instead of the runtime findings it could not make."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

from minirelease.compat.child_process import MIB
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
from minirelease.compat.runtime.results import EngineRun, Event
from minirelease.compat.runtime.scripts import Scripts, scripts_of


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
    if time_budget_ms <= 0:
        raise ValueError(f"time_budget_ms must be positive, not {time_budget_ms}")

    def run(on: Network) -> EngineRun:
        return engine.run(
            scripts, pages=pages, jsapis=jsapis, network=on, time_budget_ms=time_budget_ms
        )

    try:
        cell_run = run(network)
        working = run(REFERENCE_NETWORK) if network.offline else None
    except EngineStopped as stopped:
        return [_crashed(stopped, network)]
    findings = set(_findings(cell_run, working, time_budget_ms, reported_calls))
    return sorted(findings, key=lambda f: (f.rule, f.file or "", f.line or 0, f.message))


def _findings(
    run: EngineRun,
    working: EngineRun | None,
    budget_ms: int,
    reported_calls: frozenset[tuple[str, int, str]],
) -> Iterator[Finding]:
    also_online = {_key(event) for event in working.events} if working else None
    for event in run.events:
        if also_online is not None and _key(event) not in also_online:
            message = f"only offline: {event.message}"
            yield Finding(OFFLINE_CRASH, event.file, event.line, event.column, message)
        else:
            yield Finding(_RULE_OF[event.kind], event.file, event.line, event.column, event.message)
    for call in run.calls:
        if call.unsupported and (call.file, call.line, call.api) not in reported_calls:
            yield Finding(
                JSAPI_UNSUPPORTED,
                call.file,
                call.line,
                call.column,
                f"{call.api} was called at run time but the partner app does not offer it; "
                f"call it only under my.canIUse('{call.api.removeprefix('my.')}')",
            )
    if run.aborted == "timeout":
        yield Finding(
            STARTUP_TIMEOUT,
            run.aborted_file,
            None,
            None,
            f"start-up did not finish within the {budget_ms} ms budget; "
            f"cut off while {run.aborted_in}",
        )
    elif run.aborted == "memory":
        yield Finding(
            RUNTIME_EXCEPTION,
            run.aborted_file,
            None,
            None,
            f"ran out of the {HEAP_LIMIT_BYTES // MIB} MiB memory limit while {run.aborted_in}",
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
