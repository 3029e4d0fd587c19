"""Run the compatibility lab on a mini program's source folder, in this process, over the
shipped partner app profiles' default matrices, and print the findings by rule: for
trying the lab on a real project while changing rules.

    .venv/bin/python -m tools.lab_check PROJECT_DIR [--partner wallet] [--domain HOST ...]

Whitelisted server and H5 domains default to none; pass ``--domain`` for each host the
project's backend really is (as its owner would whitelist it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from minirelease.compat.package import BuiltPackage
from minirelease.compat.run import run_compatibility
from minirelease.compat.runtime import EnginePool
from minirelease.partners.defaults import SHIPPED_PROFILES, shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS

_SKIPPED = ("__MACOSX/", ".git/")


def project_files(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith(_SKIPPED):
            files[relative] = path.read_bytes()
    return files


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lab_check", description=__doc__)
    parser.add_argument("project", type=Path)
    parser.add_argument("--partner", choices=sorted(SHIPPED_PROFILES), action="append")
    parser.add_argument("--domain", action="append", default=[])
    args = parser.parse_args(argv)
    package = BuiltPackage.from_files(project_files(args.project))
    engine = EnginePool(2)
    try:
        for kind in args.partner or sorted(SHIPPED_PROFILES):
            report = run_compatibility(
                package,
                run_id=f"run_{kind}",
                package_sha256="0" * 64,
                partner_app=kind,
                profile=shipped_profile(kind),
                limits=DEFAULT_PACKAGE_LIMITS,
                server_domains=tuple(args.domain),
                h5_domains=tuple(args.domain),
                engine=engine,
            ).report
            print(f"== {kind}: {report['summary']}")
            for finding in report["findings"]:
                where = f"{finding['file']}:{finding['line']}" if finding["file"] else "-"
                cells = len(finding["cells"])
                print(f"{finding['severity']:4} {finding['rule']:22} {where:40} [{cells} cells]")
                print(f"     {finding['message']}")
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
