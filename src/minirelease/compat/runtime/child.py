"""The engine's process: ``python -m minirelease.compat.runtime.child``, started and owned
by an ``EnginePool``. It answers one request at a time, each an engine run of a package's
lifecycle, over the frames of ``frames.py`` on stdin and stdout, until stdin closes. Each
lifecycle step's report goes out as a progress message as soon as the step ends.

A crash, a hang or runaway memory here ends this process only: the pool sees it, kills
what is left and reports the run as ``runtime-crashed``, beside what the steps reported
before. V8 is initialised before anything
else and used from this one thread, as mini-racer documents."""

from __future__ import annotations

import sys
import traceback
from typing import Any, BinaryIO

from minirelease.compat.child_main import detach, exit_with_parent, protocol_channel
from minirelease.compat.frames import encode, read_frame
from minirelease.compat.runtime.engine import run_engine, start_engine
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.step_reports import StepReport


def main() -> int:
    answers = protocol_channel()
    detach()
    start_engine()
    exit_with_parent()
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
            answer: dict[str, Any] = {"run": _run(loaded[1], request, answers)}
        except Exception as error:  # our bug, not the package's: the job says so
            answer = {"error": "".join(traceback.format_exception_only(error)).strip()}
            traceback.print_exc()
        answers.write(encode(answer))
        answers.flush()


def _run(scripts: dict[str, str], request: dict[str, Any], answers: BinaryIO) -> dict[str, Any]:
    def progress(step: StepReport) -> None:
        # Each step's findings as it ends: they stand even if this process goes down later.
        answers.write(encode({"progress": step.to_json()}))
        answers.flush()

    run = run_engine(
        scripts,
        pages=request["pages"],
        jsapis=frozenset(request["jsapis"]),
        network=Network.from_json(request["network"]),
        time_budget_ms=int(request["time_budget_ms"]),
        step_budget_ms=int(request["step_budget_ms"]),
        memory_limit_bytes=int(request["memory_limit_bytes"]),
        on_step=progress,
    )
    return run.to_json()


if __name__ == "__main__":
    sys.exit(main())
