"""Mini programs written in the tests, and running the compatibility step over them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from textwrap import dedent

from minirelease.compat.model import MatrixFinding
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import Parsers
from minirelease.compat.run import CompatibilityResult, run_compatibility
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS, CapabilityProfile, PackageLimits
from tests.engines import SHARED_ENGINE

SERVER_DOMAINS = ("api.shop.example", "*.cdn.example.com")
H5_DOMAINS = ("h5.shop.example", "*.help.example.org")

PAGE_JS = "Page({\n  onLoad() {},\n});\n"
PAGE_AXML = "<view>\n  <text>hello</text>\n</view>\n"


def program(
    files: Mapping[str, str],
    *,
    pages: Sequence[str] = ("pages/index/index", "pages/detail/detail"),
    subpackages: Mapping[str, Sequence[str]] | None = None,
    app_json: Mapping[str, object] | None = None,
) -> dict[str, bytes]:
    """A mini program: app.json, app.js and every page's .js and .axml, then ``files``
    (dedented) over them. ``subpackages`` maps each root to its pages."""
    config: dict[str, object] = {"pages": list(pages)}
    subpackages = subpackages or {}
    if subpackages:
        config["subPackages"] = [
            {"root": root, "pages": list(sub_pages)} for root, sub_pages in subpackages.items()
        ]
    config.update(app_json or {})
    project = {"app.json": json.dumps(config), "app.js": "App({\n  onLaunch() {},\n});\n"}
    every_page = list(pages) + [
        f"{root}/{page}" for root, sub_pages in subpackages.items() for page in sub_pages
    ]
    for page in every_page:
        project[f"{page}.js"] = PAGE_JS
        project[f"{page}.axml"] = PAGE_AXML
    project.update({path: dedent(text).lstrip("\n") for path, text in files.items()})
    return {path: text.encode("utf-8") for path, text in project.items()}


def check(
    files: Mapping[str, bytes],
    *,
    profile: CapabilityProfile | None = None,
    partner_app: str = "wallet",
    limits: PackageLimits = DEFAULT_PACKAGE_LIMITS,
    server_domains: Sequence[str] = SERVER_DOMAINS,
    h5_domains: Sequence[str] = H5_DOMAINS,
    parsers: Parsers | None = None,
) -> CompatibilityResult:
    return run_compatibility(
        BuiltPackage.from_files(files),
        run_id="run_test",
        package_sha256="0" * 64,
        partner_app=partner_app,
        profile=profile if profile is not None else shipped_profile("wallet"),
        limits=limits,
        server_domains=server_domains,
        h5_domains=h5_domains,
        parsers=parsers,
        engine=SHARED_ENGINE,
    )


def findings(result: CompatibilityResult, rule: str | None = None) -> list[MatrixFinding]:
    return [
        found for found in result.analysis.findings if rule is None or found.finding.rule == rule
    ]


def places(
    result: CompatibilityResult, rule: str
) -> list[tuple[str | None, int | None, int | None]]:
    return [
        (found.finding.file, found.finding.line, found.finding.column)
        for found in findings(result, rule)
    ]


def assert_only(
    result: CompatibilityResult, rule: str, file: str | None, line: int | None, column: int | None
) -> MatrixFinding:
    """The run found exactly one thing: ``rule`` at this place, in every cell."""
    found = findings(result)
    assert [(f.finding.rule, f.finding.file, f.finding.line, f.finding.column) for f in found] == [
        (rule, file, line, column)
    ], [f.finding for f in found]
    cells = [cell["id"] for cell in result.report["cells"]]
    assert list(found[0].cells) == cells
    return found[0]
