"""Run by test_engine_start.py as a fresh process: several threads start their first engine
run at the same instant, the way two job threads started their first compatibility runs.
Exits 0 when every run finished; V8 aborting the process is the failure looked for."""

from __future__ import annotations

import sys
import threading

from minirelease.compat.runtime.engine import run_engine
from minirelease.compat.runtime.network import REFERENCE_NETWORK


def main(threads: int) -> None:
    start = threading.Barrier(threads)
    finished: list[bool] = []

    def first_run() -> None:
        start.wait()
        run = run_engine(
            {"app.js": "App({ onLaunch() { [1, 2].map((x) => x * 2); } });\n"},
            pages=(),
            jsapis=frozenset(),
            network=REFERENCE_NETWORK,
            time_budget_ms=5000,
        )
        finished.append(run.aborted is None and not run.events)

    workers = [threading.Thread(target=first_run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    sys.exit(0 if finished == [True] * threads else 1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
