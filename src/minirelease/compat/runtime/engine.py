"""One run of a package's lifecycle in an embedded V8 (mini-racer): fresh isolates bounded
in memory, each lifecycle step bounded in wall-clock time (``step.py``), with the host of
``sandbox.js``, ``modules.js``, ``loops.js``, ``my.js`` and ``values.js`` and nothing else.
No Python function is exposed to JavaScript, so package code cannot reach the host; Python
only evaluates the steps and reads what each found.

A page step cut off (past its budget, or out of memory) costs that page only: the next
page runs in a fresh isolate, where the app is launched again first (what the launch finds
there was already reported). A cut-off in the app's own launch ends the run: no page opens
on a device either. So does the end of the whole run's budget.

Only the engine's own process imports this module (``child.py``): the server and the job
runner reach it through ``pool.EnginePool``, so nothing the engine does can take them down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Final

from py_mini_racer import JSOOMException, JSTimeoutException, MiniRacer, init_mini_racer

from minirelease.compat.runtime.limits import DEFAULT_STEP_BUDGET_MS, HEAP_LIMIT_BYTES
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.results import Abort, Cutoff, EngineRun
from minirelease.compat.runtime.step import Budgets, Step, run_step
from minirelease.compat.runtime.step_reports import StepReport, run_of

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
    step_budget_ms: int = DEFAULT_STEP_BUDGET_MS,
    memory_limit_bytes: int = HEAP_LIMIT_BYTES,
    on_step: Callable[[StepReport], object] | None = None,
) -> EngineRun:
    """The run of app.js and ``pages``; ``on_step`` gets each step's report as it ends."""
    started = time.perf_counter()
    budgets = Budgets.starting_now(step_budget_ms, time_budget_ms, memory_limit_bytes)
    config = json.dumps({"jsapis": sorted(jsapis), "network": network.as_json()})
    reports: list[StepReport] = []

    def report(step: StepReport) -> None:
        reports.append(step)
        if on_step is not None:
            on_step(step)

    first_page, fresh_after = 0, None
    while True:
        with _isolate(memory_limit_bytes) as engine:
            cut = _run_in(engine, scripts, config, pages, first_page, fresh_after, budgets, report)
        if cut is None:
            break
        first_page, fresh_after = cut
    return run_of(reports, (time.perf_counter() - started) * 1000)


def _run_in(
    engine: MiniRacer,
    scripts: Mapping[str, str],
    config: str,
    pages: Sequence[str],
    first_page: int,
    fresh_after: str | None,
    budgets: Budgets,
    report: Callable[[StepReport], None],
) -> tuple[int, str] | None:
    """Run the app's launch, then the pages from ``first_page``, in ``engine``. Returns
    where a fresh engine takes over after a page's cut-off (the next page, and the step cut
    off), or None when the run is over."""
    unloaded = _load(engine, scripts, config, budgets)
    if unloaded is not None:
        report(unloaded)
        return None
    for step in _app_steps():
        done = run_step(engine, step, budgets, scripts, fresh_after=fresh_after)
        if fresh_after is None or done.cutoff is not None:  # a launch again says nothing new
            report(done)
        if done.cutoff is not None:
            return None
    for index in range(first_page, len(pages)):
        for step in _page_steps(pages[index]):
            done = run_step(engine, step, budgets, scripts, fresh_after=fresh_after)
            report(done)
            if done.cutoff is not None:
                return None if done.cutoff.whole_run else (index + 1, step.name)
    return None


def _load(
    engine: MiniRacer, scripts: Mapping[str, str], config: str, budgets: Budgets
) -> StepReport | None:
    """Set up the host and hand it the package's files, within what is left of the run;
    the report of the cut-off when that did not fit."""
    kind: Abort = "timeout"
    try:
        for code in _loading(scripts, config):
            remaining = budgets.run_deadline - time.perf_counter()
            if remaining <= 0:
                break
            engine.eval(code, timeout_sec=remaining)
        else:
            return None
    except JSTimeoutException:
        pass
    except JSOOMException:
        kind = "memory"
    step = "loading the package"
    if kind == "timeout":
        cutoff = Cutoff(kind, step, None, budget_ms=budgets.run_ms, whole_run=True)
    else:
        cutoff = Cutoff(kind, step, None, heap_bytes=budgets.heap_bytes)
    return StepReport(step, (), (), cutoff, touched=None)


def _loading(scripts: Mapping[str, str], config: str) -> Iterator[str]:
    yield host_source()
    for path, source in scripts.items():
        yield f"__smoke.addFile({json.dumps(path)}, {json.dumps(source)})"
    yield f"__smoke.configure({json.dumps(config)})"


def _app_steps() -> Iterator[Step]:
    yield Step("loading app.js", "app.js", "__smoke.loadApp()")
    for hook in ("onLaunch", "onShow"):
        yield Step(f"App {hook}", "app.js", f"__smoke.appHook({json.dumps(hook)})")


def _page_steps(page: str) -> Iterator[Step]:
    # A page without a script has nothing to run (page-missing says so).
    file = f"{page}.js"
    yield Step(f"loading {file}", file, f"__smoke.loadPage({json.dumps(page)})")
    for hook in PAGE_HOOKS:
        code = f"__smoke.pageHook({json.dumps(page)}, {json.dumps(hook)})"
        yield Step(f"Page {page} {hook}", file, code)


@contextmanager
def _isolate(memory_limit_bytes: int) -> Iterator[MiniRacer]:
    with _creating:
        engine = MiniRacer()
        try:
            engine.set_hard_memory_limit(memory_limit_bytes)
            yield engine
        finally:
            engine.close()
