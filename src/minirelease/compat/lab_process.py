"""The compatibility lab's process: ``python -m minirelease.compat.lab_process``, started and
owned by a ``CompatibilityLab``. It runs whole compatibility runs, one at a time, on
packages it reads from the paths it is given: the parse, the static rules, the smoke
tests (in engine processes of its own), the report and its page. It reports the cells
done as it goes and answers with the report, until stdin closes.

It runs at a lower CPU priority than the server, and a crash here (a parser's, say) ends
this process only: the job sees it and tries again, then fails the run with the reason."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, BinaryIO, Final, cast

from minirelease.compat.child_main import PRIORITIES, detach, exit_with_parent, protocol_channel
from minirelease.compat.child_process import MIB
from minirelease.compat.frames import encode, read_frame
from minirelease.compat.lab import LabRun
from minirelease.compat.matrix import Matrix
from minirelease.compat.package import BuiltPackage
from minirelease.compat.process_pool import ProcessLimits
from minirelease.compat.run import run_compatibility
from minirelease.compat.runtime import EnginePool
from minirelease.partners.profile import CapabilityProfile, validate_package_limits

# Progress goes up at most this often (and once at the end of the run).
_PROGRESS_SECONDS: Final = 0.2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minirelease.compat.lab_process")
    parser.add_argument("--engine-memory-mb", type=int, required=True)
    parser.add_argument("--engine-runs", type=int, required=True)
    parser.add_argument("--priority", choices=PRIORITIES, default="idle")
    args = parser.parse_args(argv)
    answers = protocol_channel()
    detach(args.priority)
    exit_with_parent()
    engine = EnginePool(1, ProcessLimits(args.engine_memory_mb * MIB, args.engine_runs))
    engine.prestart()
    try:
        serve(sys.stdin.buffer, answers, engine)
    finally:
        engine.close()
    return 0


def serve(requests: BinaryIO, answers: BinaryIO, engine: EnginePool) -> None:
    def send(message: dict[str, Any]) -> None:
        answers.write(encode(message))
        answers.flush()

    while (request := read_frame(requests)) is not None:
        try:
            run = LabRun.from_json(request["run"])
            answer: dict[str, Any] = {"result": {"summary": analyse(run, engine, _throttled(send))}}
        except Exception as error:  # our bug, not the package's: the job says so
            answer = {"error": "".join(traceback.format_exception_only(error)).strip()}
            traceback.print_exc()
        send(answer)


def analyse(
    run: LabRun, engine: EnginePool, progress: Callable[[int, int], object]
) -> dict[str, Any]:
    """Run the compatibility run, write its report and page where ``run`` says, and
    return the report's summary."""
    package = BuiltPackage.from_build(run.package_path, run.source_path)
    previous = None
    if run.previous_report_path is not None:
        previous = json.loads(run.previous_report_path.read_text(encoding="utf-8"))
    result = run_compatibility(
        package,
        run_id=run.run_id,
        package_sha256=run.package_sha256,
        partner_app=run.partner_app,
        profile=cast(CapabilityProfile, dict(run.profile)),  # validated when it was stored
        limits=validate_package_limits(dict(run.limits)),
        server_domains=run.server_domains,
        h5_domains=run.h5_domains,
        matrix=Matrix.from_json(run.matrix),
        engine=engine,
        progress=progress,
        previous_report=previous,
    )
    run.report_path.write_text(json.dumps(result.report), encoding="utf-8")
    run.html_path.write_text(result.html(), encoding="utf-8")
    summary: dict[str, Any] = result.report["summary"]
    return summary


def _throttled(send: Callable[[dict[str, Any]], None]) -> Callable[[int, int], None]:
    sent_at = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal sent_at
        now = time.monotonic()
        if done >= total or now - sent_at >= _PROGRESS_SECONDS:
            sent_at = now
            send({"progress": [done, total]})

    return progress


if __name__ == "__main__":
    sys.exit(main())
