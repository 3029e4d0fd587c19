"""One run of a package's lifecycle in an embedded V8 (mini-racer): a fresh isolate per run,
bounded in memory and wall-clock time, with the host of ``sandbox.js``, ``modules.js``,
``loops.js``, ``my.js`` and ``values.js`` and nothing else. No Python function is exposed to
JavaScript, so package code cannot reach the host; Python only evaluates the steps and
reads the recorded events.

Only the engine's own process imports this module (``child.py``): the server and the job
runner reach it through ``pool.EnginePool``, so nothing the engine does can take them down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any, Final

from py_mini_racer import (
    JSEvalException,
    JSOOMException,
    JSTimeoutException,
    MiniRacer,
    init_mini_racer,
)

from minirelease.compat.runtime.limits import HEAP_LIMIT_BYTES
from minirelease.compat.runtime.loops import loop_site
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.results import Abort, ApiCall, EngineRun, Event, Loop

# Timers due within this much virtual time after a step starts run in that step; later ones
# (polling, long retries) belong to no lifecycle step.
STEP_HORIZON_MS: Final = 30_000
# Fired timers per step; past it a program is polling (not a fault) or, when its timers
# keep the clock from advancing, never settling (a start-up timeout).
MAX_TIMERS_PER_STEP: Final = 500
PAGE_HOOKS: Final = ("onLoad", "onShow", "onReady")
_HOST_SCRIPTS: Final = ("values.js", "my.js", "modules.js", "loops.js", "sandbox.js")
# What each JSAPI answers on success, as data (my.js builds the sandbox's ``my`` from it).
_JSAPI_TABLE: Final = "jsapi_table.json"

# Isolates are created one at a time. The first isolate of a process sets up V8's
# process-wide array-buffer allocator (PartitionAlloc's configurable pool inside the V8
# sandbox) with a check-then-set that two threads can both pass; V8 then aborts with
# "Check failed: !IsConfigurablePoolInitialized()" (SIGTRAP). mini-racer locks only its
# own initialisation (``init_mini_racer``), not the creation of contexts, so two job
# threads starting their first compatibility runs together crashed the server. And on
# some machines creating an isolate while another thread's isolate evaluates crashes too
# (SIGSEGV in mini-racer's value conversion, seen with 0.14.0 and 0.14.1). So a process
# runs one isolate at a time, from creation to close: the engine processes (runtime/
# child.py) run one run at a time anyway, and parallel runs are parallel processes.
_creating = threading.Lock()


def start_engine() -> None:
    """Initialise V8, then create and close a first isolate, before anything else runs in
    the process: mini-racer's documented order (``init_mini_racer`` once, before any
    ``MiniRacer``), and the process-wide set-up of the first isolate done on one thread."""
    with _creating:
        init_mini_racer(ignore_duplicate_init=True)
        MiniRacer().close()


def host_source() -> str:
    package = resources.files("minirelease.compat.runtime")
    table = package.joinpath(_JSAPI_TABLE).read_text(encoding="utf-8")
    scripts = [package.joinpath(name).read_text(encoding="utf-8") for name in _HOST_SCRIPTS]
    return "\n".join([f"const __jsapiTable = {table};", *scripts])


def run_engine(
    scripts: Mapping[str, str],
    *,
    pages: Sequence[str],
    jsapis: frozenset[str],
    network: Network,
    time_budget_ms: int,
    memory_limit_bytes: int = HEAP_LIMIT_BYTES,
) -> EngineRun:
    started = time.perf_counter()
    deadline = started + time_budget_ms / 1000
    loop: Loop | None = None
    with _isolate(memory_limit_bytes) as engine:
        step: str = "loading the package"
        step_file: str | None = None
        in_timers = False
        try:
            engine.eval(host_source())
            for path, source in scripts.items():
                engine.eval(f"__smoke.addFile({json.dumps(path)}, {json.dumps(source)})")
            config = {"jsapis": sorted(jsapis), "network": network.as_json()}
            engine.eval(f"__smoke.configure({json.dumps(json.dumps(config))})")
            for name, file, code in _steps(pages):
                # Named in the finding if this step is cut off; its loops counted afresh.
                step, step_file, in_timers = name, file, False
                _eval(engine, f"__loops.reset(), {code}", deadline)
                in_timers = True
                _drain(engine, deadline)
            aborted: Abort | None = None
        except _BudgetSpent:
            aborted = "timeout"  # between evaluations: no loop was cut off
        except JSTimeoutException:
            aborted = "timeout"
            # The cut-off evaluation reports back once more; let that land, then ask
            # which loop the step spun in.
            engine.eval("0", timeout_sec=5)
            loop = _hottest_loop(engine, scripts)
        except JSOOMException:
            aborted = "memory"
        if aborted is None and engine.was_hard_memory_limit_reached():
            aborted = "memory"
        # After a timeout the host's state is whole (only package code was cut off), so
        # what happened before the cut-off is read too; after running out of memory, not.
        results = _NOTHING if aborted == "memory" else _results(engine, aborted == "timeout")
    return EngineRun(
        events=tuple(Event(**event) for event in results["events"]),
        calls=tuple(_call(call) for call in results["calls"]),
        aborted=aborted,
        aborted_in=step if aborted else None,
        aborted_file=step_file if aborted else None,
        virtual_ms=float(results["now"]),
        wall_ms=(time.perf_counter() - started) * 1000,
        aborted_loop=loop,
        aborted_in_timers=in_timers if aborted == "timeout" else False,
        touched=_touched(results.get("touched")),
        answered=results["answered"] if isinstance(results.get("answered"), int) else None,
    )


class _BudgetSpent(Exception):
    """The step's time ran out between evaluations, or its timers kept coming due without
    the clock advancing (start-up never settles): a timeout that cut off no loop."""


_NOTHING: Final[Mapping[str, Any]] = {"events": [], "calls": [], "now": 0}


def _hottest_loop(engine: MiniRacer, scripts: Mapping[str, str]) -> Loop | None:
    try:
        number = engine.eval("__loops.hottest()", timeout_sec=5)
    except JSEvalException:
        return None  # the finding then names the step only
    site = loop_site(scripts, number) if isinstance(number, int) and number >= 0 else None
    return None if site is None else Loop(*site)


def _touched(names: Any) -> tuple[str, ...] | None:
    if not isinstance(names, list):
        return None
    return tuple(sorted({str(name) for name in names}))


def _steps(pages: Sequence[str]) -> Iterator[tuple[str, str, str]]:
    yield "loading app.js", "app.js", "__smoke.loadApp()"
    for hook in ("onLaunch", "onShow"):
        yield f"App {hook}", "app.js", f"__smoke.appHook({json.dumps(hook)})"
    for page in pages:  # a page without a script has nothing to run (page-missing says so)
        file = f"{page}.js"
        yield f"loading {file}", file, f"__smoke.loadPage({json.dumps(page)})"
        for hook in PAGE_HOOKS:
            code = f"__smoke.pageHook({json.dumps(page)}, {json.dumps(hook)})"
            yield f"Page {page} {hook}", file, code


def _eval(engine: MiniRacer, code: str, deadline: float) -> Any:
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise _BudgetSpent
    return engine.eval(code, timeout_sec=remaining)


def _drain(engine: MiniRacer, deadline: float) -> None:
    # Each timer in an evaluation of its own: the engine runs the promise jobs a timer
    # queued when the evaluation ends, before the next timer, as an event loop does.
    if not _eval(engine, f"__smoke.startDrain({STEP_HORIZON_MS})", deadline):
        return
    for _ in range(MAX_TIMERS_PER_STEP - 1):
        if not _eval(engine, "__smoke.continueDrain()", deadline):
            return
    if _eval(engine, "__smoke.stuck()", deadline):
        raise _BudgetSpent


def _results(engine: MiniRacer, timed_out: bool) -> Mapping[str, Any]:
    # Read with a generous fixed timeout: the host's own code, not the package's, runs here.
    try:
        data: dict[str, Any] = json.loads(str(engine.eval("__smoke.results()", timeout_sec=5)))
    except JSEvalException:
        if not timed_out:
            raise
        return _NOTHING  # a host cut off mid-update: the cut-off is all there is to say
    return data


def _call(call: Mapping[str, Any]) -> ApiCall:
    return ApiCall(
        api=call["api"],
        at_ms=float(call["at"]),
        unsupported=bool(call.get("unsupported", False)),
        file=call.get("file"),
        line=call.get("line"),
        column=call.get("column"),
        url=call["url"] if isinstance(call.get("url"), str) else None,
    )


@contextmanager
def _isolate(memory_limit_bytes: int) -> Iterator[MiniRacer]:
    with _creating:
        engine = MiniRacer()
        try:
            engine.set_hard_memory_limit(memory_limit_bytes)
            yield engine
        finally:
            engine.close()
