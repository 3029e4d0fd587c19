"""Work once, evaluate per cell: every file is parsed once per run whatever the number of
cells, and each rule runs once per group of cells it cannot tell apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterator

import pytest

from minirelease.compat.analyzer import Rule, analyze, evaluate, same_everywhere
from minirelease.compat.axmlfacts import TemplateFacts, template_facts
from minirelease.compat.jsfacts import ScriptFacts, script_facts
from minirelease.compat.model import (
    JSAPI_UNSUPPORTED,
    PAGE_MISSING,
    Cell,
    CellContext,
    Finding,
    Target,
    os_cells,
)
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import ParsedPackage, Parsers
from minirelease.compat.static_rules import STATIC_RULES
from minirelease.errors import PackageInvalid
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import check, program

PROFILE = shipped_profile("lean_wallet")
TARGET = Target.from_profile("lean", PROFILE, DEFAULT_PACKAGE_LIMITS)
FILES = program(
    {
        "pages/index/index.js": "Page({ onLoad() { my.scan(); my.navigateTo({ url: '/x' }) } });",
        "pages/index/index.axml": "<view><map/></view>\n",
        "utils/format.js": "export const money = (v) => `¥${v}`;\n",
    }
)


class CountingParsers:
    def __init__(self) -> None:
        self.calls: Counter[bytes] = Counter()

    def script(self, source: bytes) -> ScriptFacts:
        self.calls[source] += 1
        return script_facts(source)

    def template(self, source: bytes) -> TemplateFacts:
        self.calls[source] += 1
        return template_facts(source)

    def parsers(self) -> Parsers:
        return Parsers(script=self.script, template=self.template)


def _many_cells() -> list[CellContext]:
    """2 platforms x 12 versions x 4 networks x 3 devices = 288 cells, as the next issue's
    matrix will have them."""
    return [
        CellContext(Cell("lean", platform, str(version), network, device), TARGET)
        for platform in ("android", "ios")
        for version in range(7, 19)
        for network in ("wifi", "4g", "3g", "offline")
        for device in ("low", "mid", "high")
    ]


def test_each_file_is_parsed_once_per_run_however_many_cells() -> None:
    counting = CountingParsers()
    contexts = _many_cells()
    analysis = analyze(
        BuiltPackage.from_files(FILES), contexts, STATIC_RULES, parsers=counting.parsers()
    )
    parsed_files = [path for path in FILES if path.endswith((".js", ".axml"))]
    assert sum(counting.calls.values()) == len(parsed_files) == 6
    assert set(counting.calls.values()) == {1}
    rules = Counter(found.finding.rule for found in analysis.findings)
    assert rules == {"jsapi-unsupported": 1, "page-missing": 1, "component-unsupported": 1}
    ids = [context.cell.id for context in contexts]
    assert all(list(found.cells) == ids for found in analysis.findings)
    assert len(ids) == 288 and ids[0] == "lean/android-7/wifi/low"


def test_the_report_entry_point_parses_once_too() -> None:
    counting = CountingParsers()
    result = check(FILES, profile=PROFILE, parsers=counting.parsers())
    assert sum(counting.calls.values()) == 6
    # The default matrix: 7 OS versions x 5 networks x 3 devices.
    assert result.report["summary"]["cells"] == len(os_cells("wallet", PROFILE)) * 15 == 105


def test_a_rule_runs_once_per_group_of_equivalent_cells() -> None:
    parsed_with = Counter[Hashable]()

    def per_platform(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
        parsed_with[context.cell.platform] += 1
        if context.cell.platform == "ios":
            yield Finding("memory-risk", None, None, None, "ios only", "warn")

    rules = [
        Rule("memory-risk", per_platform, lambda context: context.cell.platform),
        *STATIC_RULES,
    ]
    analysis = analyze(BuiltPackage.from_files(FILES), _many_cells(), rules)
    assert parsed_with == {"android": 1, "ios": 1}
    [ios_only] = [found for found in analysis.findings if found.finding.rule == "memory-risk"]
    assert len(ios_only.cells) == 144
    assert all(cell.startswith("lean/ios-") for cell in ios_only.cells)


def test_cells_with_different_targets_get_their_own_findings() -> None:
    wallet = Target.from_profile("lean", shipped_profile("wallet"), DEFAULT_PACKAGE_LIMITS)
    contexts = [
        CellContext(Cell("lean", "android", "14"), TARGET),
        CellContext(Cell("lean", "android", "15"), wallet),
    ]
    parsed = analyze(BuiltPackage.from_files(FILES), contexts, []).parsed
    found = {f.finding.rule: f.cells for f in evaluate(parsed, contexts, STATIC_RULES)}
    assert found[JSAPI_UNSUPPORTED] == ("lean/android-14",)  # the wallet offers my.scan
    assert found[PAGE_MISSING] == ("lean/android-14", "lean/android-15")
    assert same_everywhere(contexts[0]) == same_everywhere(contexts[1])


def test_a_cell_listed_twice_is_refused() -> None:
    contexts = [CellContext(Cell("lean", "ios", "16"), TARGET)] * 2
    with pytest.raises(ValueError, match="'lean/ios-16' appears twice"):
        analyze(BuiltPackage.from_files(FILES), contexts, STATIC_RULES)


def test_a_package_without_app_json_is_refused_clearly() -> None:
    files = {path: data for path, data in FILES.items() if path != "app.json"}
    with pytest.raises(PackageInvalid, match=r"no app\.json") as refused:
        analyze(BuiltPackage.from_files(files), _many_cells(), STATIC_RULES)
    assert refused.value.rule == "app-json-missing"


def test_progress_counts_finished_cells_in_matrix_order() -> None:
    calls: list[tuple[int, int]] = []
    contexts = _many_cells()
    analyze(
        BuiltPackage.from_files(program({})),
        contexts,
        STATIC_RULES,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(done, len(contexts)) for done in range(1, len(contexts) + 1)]
