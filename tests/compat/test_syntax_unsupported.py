"""syntax-unsupported: language features above the JavaScript level of a cell's OS engine,
with file and line, in exactly the cells whose engine is too old (every network and device
of those OS versions). The super app supports Android 7-15 and iOS 12-18."""

from __future__ import annotations

import pytest

from minirelease.compat.model import SYNTAX_UNSUPPORTED
from minirelease.compat.profiles import LANGUAGE_LEVELS, default_profiles
from minirelease.compat.run import CompatibilityResult
from minirelease.partners.defaults import shipped_profile
from tests.compat.programs import check, findings, program

SUPER = shipped_profile("super_app")


def _check(files: dict[str, bytes]) -> CompatibilityResult:
    return check(files, profile=SUPER, partner_app="super")


def _loaded(path: str) -> dict[str, str]:
    """A page that imports the utility at ``path``: only files that load are checked."""
    return {"pages/index/index.js": f"import '../../{path}';\nPage({{}});\n"}


def _cells_below(result: CompatibilityResult, level: str) -> list[str]:
    """The cells whose OS engine runs a level older than ``level``, in matrix order."""
    profiles = default_profiles()
    below = []
    for cell in result.report["cells"]:
        os = profiles.os_for(cell["platform"], cell["os_version"])
        assert os is not None
        if LANGUAGE_LEVELS.index(os.language_level) < LANGUAGE_LEVELS.index(level):
            below.append(cell["id"])
    return below


def _only(result: CompatibilityResult, file: str, line: int, column: int, level: str) -> list[str]:
    found = findings(result)
    assert [(f.finding.rule, f.finding.file, f.finding.line, f.finding.column) for f in found] == [
        (SYNTAX_UNSUPPORTED, file, line, column)
    ], [f.finding for f in found]
    assert found[0].finding.severity == "fail"
    assert f"needs {level}" in found[0].finding.message
    assert list(found[0].cells) == _cells_below(result, level)
    return list(found[0].cells)


def test_optional_chaining_in_a_page_fails_on_engines_before_es2020() -> None:
    files = program(
        {
            "pages/index/index.js": """
                Page({
                  onLoad(query) {
                    const id = query?.id;
                    this.setData({ id });
                  },
                });
            """
        }
    )
    cells = _only(_check(files), "pages/index/index.js", 3, 21, "ES2020")
    # Android 7-9 and iOS 12-13, on every network and device: 5 OS versions x 15.
    assert len(cells) == 5 * 15
    assert cells[0] == "super/android-7/wifi/low" and cells[-1] == "super/ios-13/offline/high"
    assert {cell.split("/")[1] for cell in cells} == {
        "android-7",
        "android-8",
        "android-9",
        "ios-12",
        "ios-13",
    }


def test_private_class_fields_in_a_utility_fail_before_es2022() -> None:
    files = program(
        {
            "utils/cart.js": """
                export class Cart {
                  items = [];
                  add(item) {
                    this.items.push(item);
                  }
                }
            """,
            **_loaded("utils/cart.js"),
        }
    )
    cells = _only(_check(files), "utils/cart.js", 2, 3, "ES2022")
    assert "class fields" in findings(_check(files))[0].finding.message
    assert {cell.split("/")[1] for cell in cells} == {
        *(f"android-{v}" for v in range(7, 12)),
        *(f"ios-{v}" for v in range(12, 16)),
    }


@pytest.mark.parametrize(
    ("code", "column", "level", "feature"),
    [
        ("const limit = options.limit ?? 20;", 15, "ES2020", "nullish coalescing"),
        ("const big = 9007199254740993n;", 13, "ES2020", "BigInt"),
        ("options.retries ||= 3;", 1, "ES2021", "logical assignment"),
        ("const timeout = 30_000;", 17, "ES2021", "numeric separators"),
        ("try { run(); } catch { retry(); }", 16, "ES2019", "catch without a binding"),
        ("const merged = { ...defaults, page: 1 };", 18, "ES2018", "object spread"),
        ("class Store { static { init(); } }", 15, "ES2022", "static blocks"),
        ("class Token { #secret = 1; }", 15, "ES2022", "private class members"),
    ],
)
def test_each_feature_is_found_at_its_place(
    code: str, column: int, level: str, feature: str
) -> None:
    files = program({"utils/setup.js": "// setup\n" + code + "\n", **_loaded("utils/setup.js")})
    found = [f for f in findings(_check(files)) if feature in f.finding.message]
    assert [(f.finding.file, f.finding.line, f.finding.column) for f in found] == [
        ("utils/setup.js", 2, column)
    ]
    assert list(found[0].cells) == _cells_below(_check(files), level)


def test_top_level_await_fails_everywhere_at_its_line_as_no_engine_can_run_it() -> None:
    # Every script runs inside a function (CommonJS), so this is no newer language level.
    page = "const config = await loadConfig();\nPage({});\n"
    result = _check(program({"pages/index/index.js": page}))
    found = findings(result)
    assert [(f.finding.rule, f.finding.file, f.finding.line) for f in found] == [
        ("runtime-exception", "pages/index/index.js", 1)
    ]
    assert "await is only valid in async functions" in found[0].finding.message
    assert len(found[0].cells) == len(result.report["cells"])


def test_the_first_use_is_reported_with_the_count_of_the_others() -> None:
    body = "const a = x?.y;\nconst b = y?.z;\nconst c = z?.w?.v;\n"
    found = findings(
        _check(program({"utils/a.js": body, **_loaded("utils/a.js")})), SYNTAX_UNSUPPORTED
    )
    assert [(f.finding.line, f.finding.column) for f in found] == [(1, 12)]
    assert "(and 3 more in this file)" in found[0].finding.message


def test_es2017_code_and_await_inside_functions_pass_everywhere() -> None:
    files = program(
        {
            "utils/api.js": """
                export async function load(url) {
                  const response = await fetchIt(url);
                  const [first, ...rest] = response.items;
                  return Object.assign({}, { first, rest }, 2 ** 10);
                }
                export const later = async () => { await load('/x'); };
                class Cart {
                  constructor() { this.items = []; }
                  total() { return this.items.reduce((sum, item) => sum + item.price, 0); }
                }
                try { JSON.parse('{}'); } catch (error) { console.warn(error); }
                // a?.b and x ?? y in a comment, 'a?.b' in a string
                const text = 'x ?? y' + `${1_0}`;
            """,
            **_loaded("utils/api.js"),
        }
    )
    found = findings(_check(files), SYNTAX_UNSUPPORTED)
    # Only the numeric separator inside the template substitution is real syntax.
    assert [(f.finding.line, f.finding.column) for f in found] == [(13, 28)]
