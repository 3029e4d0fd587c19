"""One call from a built package to the report of design §5: the matrix (the target partner
app x its OS versions x networks x devices, unless given narrowed), the static rules and the
runtime smoke test, the JSON report with what changed since the previous run, and the lines
the HTML page quotes. The job that runs a compatibility step calls this."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from minirelease.compat.analyzer import Analysis, Progress, Rule, analyze
from minirelease.compat.changes import changes_since
from minirelease.compat.domains_used import domains_used
from minirelease.compat.html import render_html
from minirelease.compat.matrix import Matrix, build_matrix
from minirelease.compat.model import Target
from minirelease.compat.more_rules import MORE_RULES
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import Parsers
from minirelease.compat.profiles import default_profiles
from minirelease.compat.report import build_report
from minirelease.compat.runtime import Engine, runtime_rules
from minirelease.compat.static_rules import STATIC_RULES
from minirelease.partners.profile import CapabilityProfile, PackageLimits

ALL_STATIC_RULES: Final = STATIC_RULES + MORE_RULES


@dataclass(frozen=True)
class CompatibilityResult:
    analysis: Analysis
    report: dict[str, Any]

    def excerpt_sources(self) -> dict[str, list[str]]:
        """The lines of every file a finding names, for ``render_html``."""
        files = {finding["file"] for finding in self.report["findings"] if finding["file"]}
        return {path: self.analysis.parsed.source_lines(path) for path in sorted(files)}

    def html(self) -> str:
        return render_html(self.report, self.excerpt_sources())


def run_compatibility(
    package: BuiltPackage,
    *,
    run_id: str,
    package_sha256: str,
    partner_app: str,
    profile: CapabilityProfile,
    limits: PackageLimits,
    server_domains: Sequence[str] = (),
    h5_domains: Sequence[str] = (),
    matrix: Matrix | None = None,
    engine: Engine | None = None,
    rules: Sequence[Rule] | None = None,
    parsers: Parsers | None = None,
    progress: Progress | None = None,
    previous_report: Mapping[str, Any] | None = None,
) -> CompatibilityResult:
    """``matrix`` defaults to the partner app's OS versions x every shipped network and
    device profile; ``rules`` to every static rule and the runtime smoke test, which runs in
    ``engine`` (an ``EnginePool``: never in this process).
    ``progress(done, total)`` is called after each cell; ``previous_report``, the last
    finished run of the same release, adds ``changes`` to the report."""
    target = Target.from_profile(
        partner_app,
        profile,
        limits,
        server_domains=tuple(server_domains),
        h5_domains=tuple(h5_domains),
    )
    if matrix is None:
        matrix = build_matrix(partner_app, profile["os_versions"], default_profiles())
    if rules is None:
        if engine is None:
            raise TypeError("the runtime smoke test needs an engine, or give the rules to run")
        rules = (*ALL_STATIC_RULES, *runtime_rules(engine))
    contexts = matrix.contexts(target)
    analysis = analyze(package, contexts, rules, parsers=parsers, progress=progress)
    report = build_report(
        run_id=run_id,
        package_sha256=package_sha256,
        partner_app=partner_app,
        os_versions=matrix.os_versions(),
        cells=matrix.cells(),
        findings=analysis.findings,
        networks=[network.name for network in matrix.networks],
        devices=[device.name for device in matrix.devices],
    )
    report["domains"] = domains_used(analysis.parsed, target)
    _quote_code(report, analysis)
    report["changes"] = changes_since(previous_report, report) if previous_report else None
    return CompatibilityResult(analysis, report)


# A finding quotes its line of code up to this many characters (the HTML report shows the
# lines around it): enough to recognise the call, bounded for minified files.
CODE_CHARS = 160


def _quote_code(report: dict[str, Any], analysis: Analysis) -> None:
    """Each finding with a line gets ``code``: that line, stripped and cut short."""
    lines: dict[str, list[str]] = {}
    for finding in report["findings"]:
        path, line = finding.get("file"), finding.get("line")
        if not path or not isinstance(line, int) or line < 1:
            continue
        source = lines.setdefault(path, analysis.parsed.source_lines(path))
        if line <= len(source):
            finding["code"] = source[line - 1].strip()[:CODE_CHARS]
