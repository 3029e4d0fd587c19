"""The engine's process: ``python -m minirelease.compat.runtime.child``, started and owned
by an ``EnginePool``. It answers one request at a time, each an engine run of a package's
lifecycle, over the frames of ``frames.py`` on stdin and stdout, until stdin closes.

A crash, a hang or runaway memory here ends this process only: the pool sees it, kills
what is left and reports the run as ``runtime-crashed``. V8 is initialised before anything
else and used from this one thread, as mini-racer documents."""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO

from minirelease.compat.runtime.engine import run_engine, start_engine
from minirelease.compat.runtime.frames import encode, read_frame
from minirelease.compat.runtime.network import Network

_PARENT_CHECK_SECONDS = 1.0


def main() -> int:
    # The protocol owns the real stdout; a stray print (ours or a library's) goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    # The pool stops a child by closing its stdin, or kills it; a Ctrl-C meant for the
    # server must not print a traceback here. A crash leaves no core file behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    start_engine()
    _exit_with(os.getppid())
    serve(sys.stdin.buffer, answers)
    return 0


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    loaded: tuple[str, dict[str, str]] | None = None
    while (request := read_frame(requests)) is not None:
        try:
            if "scripts" in request:
                loaded = (request["scripts_key"], request["scripts"])
            if loaded is None or loaded[0] != request["scripts_key"]:
                raise LookupError(f"scripts {request['scripts_key']} were never sent")
            answer: dict[str, Any] = {"run": _run(loaded[1], request)}
        except Exception as error:  # our bug, not the package's: the job says so
            answer = {"error": "".join(traceback.format_exception_only(error)).strip()}
            traceback.print_exc()
        answers.write(encode(answer))
        answers.flush()


def _run(scripts: dict[str, str], request: dict[str, Any]) -> dict[str, Any]:
    run = run_engine(
        scripts,
        pages=request["pages"],
        jsapis=frozenset(request["jsapis"]),
        network=Network.from_json(request["network"]),
        time_budget_ms=int(request["time_budget_ms"]),
        memory_limit_bytes=int(request["memory_limit_bytes"]),
    )
    return run.to_json()


def _exit_with(parent: int) -> None:
    """Leave when the pool's process is gone (killed with SIGKILL, it closes no pipe while
    this process is still inside a run)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
