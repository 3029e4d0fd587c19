"""The static rules alone over a program, for tests with many small cases: one cell, no
engine run (the runtime smoke test has tests of its own)."""

from __future__ import annotations

from collections.abc import Mapping

from minirelease.compat.analyzer import analyze
from minirelease.compat.model import Cell, CellContext, Finding, Target
from minirelease.compat.package import BuiltPackage
from minirelease.compat.static_rules import STATIC_RULES
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import H5_DOMAINS, SERVER_DOMAINS

LEAN = Target.from_profile(
    "lean",
    shipped_profile("lean_wallet"),
    DEFAULT_PACKAGE_LIMITS,
    server_domains=SERVER_DOMAINS,
    h5_domains=H5_DOMAINS,
)


def static_findings(files: Mapping[str, bytes], rule: str, target: Target = LEAN) -> list[Finding]:
    context = CellContext(Cell(target.partner_app, "android", "13", "wifi", "mid"), target)
    analysis = analyze(BuiltPackage.from_files(files), [context], STATIC_RULES)
    return [found.finding for found in analysis.findings if found.finding.rule == rule]
