"""Precision and recall of the lab over the corpus, run in this process without the API or a
database (the build's minifying aside, the same lab the API runs): for a quick look while
changing rules. ``python -m tests.compat.real.score [program ...]``; the exit status is 1
when a program's findings are not exactly its expected ones."""

from __future__ import annotations

import sys
import time

from minirelease.compat.package import BuiltPackage
from minirelease.compat.run import run_compatibility
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.real.corpus import (
    H5_DOMAINS,
    SERVER_DOMAINS,
    Outcome,
    Program,
    compare,
    load_corpus,
    summary,
)
from tests.engines import SHARED_ENGINE, close_shared


def run_in_process(program: Program) -> Outcome:
    package = BuiltPackage.from_files(program.files)
    reports = {
        kind: run_compatibility(
            package,
            run_id=f"run_{program.name}_{kind}",
            package_sha256="0" * 64,
            partner_app=kind.replace("_", "-"),
            profile=shipped_profile(kind),
            limits=DEFAULT_PACKAGE_LIMITS,
            server_domains=SERVER_DOMAINS,
            h5_domains=H5_DOMAINS,
            engine=SHARED_ENGINE,
        ).report
        for kind in program.partners
    }
    return compare(program, reports)


def main(names: list[str]) -> int:
    started = time.monotonic()
    programs = [p for p in load_corpus() if not names or p.name in names]
    try:
        outcomes = [run_in_process(program) for program in programs]
    finally:
        close_shared()
    print(summary(outcomes))
    print(f"({time.monotonic() - started:.1f} s)")
    return 0 if all(outcome.passed for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
