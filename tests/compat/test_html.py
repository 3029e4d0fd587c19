"""The HTML report: a self-contained page with the summary, the matrix grid and the findings
by rule with excerpts, in which nothing from the package can inject markup."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from minirelease.compat.html import render_html
from minirelease.compat.html_grid import grid
from minirelease.compat.matrix import build_matrix
from minirelease.compat.package import BuiltPackage
from minirelease.compat.profiles import DEFAULT_PROFILES, profile_set
from minirelease.compat.run import CompatibilityResult, run_compatibility
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import check, program
from tests.engines import SHARED_ENGINE

HOSTILE_NAME = "<script>alert(1)</script>.js"
# The hostile file is a component of the index page: only files that load are checked.
HOSTILE_COMPONENT = {
    "pages/index/index.json": json.dumps(
        {"usingComponents": {"frame": "/" + HOSTILE_NAME.removesuffix(".js")}}
    )
}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _tags(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def _hostile_result() -> CompatibilityResult:
    files = program(
        {
            HOSTILE_NAME: """
                // </pre><script>alert(2)</script>
                my.request({ url: 'http://"><img src=x onerror=alert(3)>.example/' });
                my.scan({ note: '<b>bold</b>' });
            """,
            "pages/index/index.axml": '<view><x-frame onload="alert(4)"/></view>\n',
            "pages/detail/detail.js": "var a = 1;" * 40 + " my.ap.navigateToAlipayPage({});\n",
            **HOSTILE_COMPONENT,
        }
    )
    return check(files, profile=shipped_profile("lean_wallet"), partner_app="lean")


def test_the_page_shows_summary_grid_and_findings() -> None:
    result = _hostile_result()
    page = result.html()
    tags = _tags(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Compatibility report · lean · fail</title>" in page
    # The grid: one tile per cell, coloured by status, writing the rules that fail there.
    tiles = [a for a in tags.named("div") if (a.get("class") or "").startswith("tile ")]
    assert [a["title"] for a in tiles] == [cell["id"] for cell in result.report["cells"]]
    assert {a["class"] for a in tiles} == {"tile fail"}
    first = result.report["cells"][0]["id"]
    assert (
        f'title="{first}"><span>API</span><span>CMP</span><span>INS</span>'
        f'<span class="sr"> {first}: fails jsapi-unsupported, component-unsupported, '
        "insecure-url</span></div>"
    ) in page
    assert (
        '<p class="legend"><b>API</b> jsapi-unsupported · <b>CMP</b> component-unsupported · '
        "<b>INS</b> insecure-url</p>"
    ) in page
    # Findings grouped by rule, each rule once, in the summary table too.
    sections = [a["id"] for a in tags.named("section")]
    rules = ["component-unsupported", "insecure-url", "jsapi-unsupported"]
    assert sections == [f"rule-{rule}" for rule in rules]
    assert [a["href"] for a in tags.named("a")] == [f"#rule-{rule}" for rule in rules]
    assert "pages/index/index.axml:1:7" in page
    assert "all 105 cells" in page


def test_nothing_from_the_package_becomes_markup() -> None:
    page = _hostile_result().html()
    tags = _tags(page)
    assert {name for name, _ in tags.tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "h1",
        "h2",
        "h3",
        "div",
        "span",
        "b",
        "table",
        "tr",
        "th",
        "td",
        "a",
        "section",
        "pre",
        "mark",
        "p",
    }
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&#x27;http://&quot;&gt;&lt;img src=x onerror=alert(3)&gt;.example/&#x27;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.js:2:19" in page  # the file name, escaped
    assert "// &lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the excerpt
    # Self-contained: no external stylesheet, script, image or font, and a policy that
    # would refuse them anyway.
    assert "default-src 'none'; style-src 'unsafe-inline'" in page
    assert not tags.named("link") and "url(" not in page and "@import" not in page


def test_excerpts_mark_the_column_and_clip_long_lines() -> None:
    page = _hostile_result().html()
    # The unsupported call sits at column 402 of a 432-character line.
    assert '<span class="no">1</span>…' in page
    assert "<mark>m</mark>y.ap.navigateToAlipayPage({});</span>" in page
    assert "var a = 1;" * 20 not in page
    # The line before and after a finding are shown too.
    assert '<span class="no">1</span>// &lt;/pre&gt;' in page
    assert '<span class="line hit"><span class="no">2</span>my.request(' in page
    assert '<span class="no">3</span>my.scan(' in page


def test_a_clean_run_says_so() -> None:
    result = check(program({}))
    page = render_html(result.report, {})
    assert "No findings: every cell passes." in page
    assert 'class="badge pass"' in page


def test_a_288_cell_grid_is_a_table_per_platform_with_os_rows_and_network_device_columns() -> None:
    profiles = profile_set(
        {
            **DEFAULT_PROFILES,
            "network": {
                **DEFAULT_PROFILES["network"],
                "5g": {"bandwidth_kbps": 100_000, "rtt_ms": 10, "loss": 0},
            },
        }
    )
    super_app = shipped_profile("super_app")
    files = program(
        {
            "utils/a.js": "export const id = (query) => query?.id;\n",
            "pages/index/index.js": "import { id } from '../../utils/a';\nPage({});\n",
        }
    )
    result = run_compatibility(
        BuiltPackage.from_files(files),
        run_id="run_grid",
        package_sha256="1" * 64,
        partner_app="super",
        profile=super_app,
        limits=DEFAULT_PACKAGE_LIMITS,
        matrix=build_matrix("super", super_app["os_versions"], profiles),
        engine=SHARED_ENGINE,
    )
    assert result.report["summary"]["cells"] == 288
    page = result.html()
    tags = _tags(page)
    tiles = [a for a in tags.named("div") if (a.get("class") or "").startswith("tile ")]
    assert [a["title"] for a in tiles] == [cell["id"] for cell in result.report["cells"]]
    assert len([a for a in tags.named("table") if a.get("class") == "matrix"]) == 2
    rows = [a for a in tags.named("th") if a.get("class") == "os"]
    assert len(rows) == 16
    assert '<th class="os">android 7</th>' in page and '<th class="os">ios 18</th>' in page
    # Each network spans its three devices, in matrix order.
    networks = ["wifi", "4g", "3g", "2g", "offline", "5g"]
    assert "".join(f'<th colspan="3">{n}</th>' for n in networks) in page
    # The finding's cells are named as a block, not as 90 ids.
    assert (
        "90 of 288 cells: OS android 7, android 8, android 9, ios 12, ios 13 · every network · "
        "every device"
    ) in page
    statuses = {a["class"] for a in tiles}
    assert statuses == {"tile fail", "tile pass"}
    # A failing square names its rule, a passing one says ok: text, not colour alone.
    assert page.count("<span>SYN</span>") == 90
    assert page.count('class="tile pass" title="super/ios-14/5g/high">ok<span class="sr">') == 1
    assert page.count(">ok<span") == 288 - 90


def test_a_square_writes_failing_rules_in_upper_case_and_warnings_in_lower_case() -> None:
    # Hand-made report data: a cell with a failing and a warning rule, one whose rule both
    # fails and warns (it counts as failing), one warning only and one passing.
    cells = [
        {
            "id": f"w/android-9/2g/{device}",
            "platform": "android",
            "os_version": "9",
            "network": "2g",
            "device": device,
            "status": status,
            "findings": ids,
        }
        for device, status, ids in (
            ("low", "fail", ["f_a", "f_b"]),
            ("mid", "fail", ["f_b", "f_c"]),
            ("high", "warn", ["f_a"]),
            ("tiny", "pass", []),
        )
    ]
    findings = [
        {"id": "f_a", "rule": "slow-first-download", "severity": "warn"},
        {"id": "f_b", "rule": "offline-crash", "severity": "fail"},
        {"id": "f_c", "rule": "slow-first-download", "severity": "fail"},
    ]
    html = grid(cells, findings)
    squares = html.split("<td>")[1:]
    assert [square.split('title="')[1].split('"')[0] for square in squares] == [
        cell["id"] for cell in cells
    ]
    assert '"><span>OFF</span><span>dl</span><span class="sr">' in squares[0]
    assert "fails offline-crash; warns slow-first-download</span>" in squares[0]
    assert '"><span>DL</span><span>OFF</span><span class="sr">' in squares[1]
    assert '"><span>dl</span><span class="sr"> w/android-9/2g/high: warns slow' in squares[2]
    assert '">ok<span class="sr"> w/android-9/2g/tiny: passes</span>' in squares[3]
    assert "<b>DL</b> slow-first-download · <b>OFF</b> offline-crash" in html


def test_a_retest_shows_what_is_new_what_was_fixed_and_which_cells_moved() -> None:
    fixed_page = "pages/detail/detail.js"
    before = _hostile_result()
    files = program(
        {
            HOSTILE_NAME: """
                // </pre><script>alert(2)</script>
                my.request({ url: 'http://"><img src=x onerror=alert(3)>.example/' });
                my.scan({ note: '<b>bold</b>' });
            """,
            "pages/index/index.axml": "<view><text>fixed</text></view>\n",
            fixed_page: "my.navigateTo({ url: '/pages/<i>gone</i>' });\n",
            **HOSTILE_COMPONENT,
        }
    )
    after = run_compatibility(
        BuiltPackage.from_files(files),
        run_id="run_after",
        package_sha256="2" * 64,
        partner_app="lean",
        profile=shipped_profile("lean_wallet"),
        limits=DEFAULT_PACKAGE_LIMITS,
        previous_report=before.report,
        engine=SHARED_ENGINE,
    )
    changes = after.report["changes"]
    assert changes["summary"]["new"] == 1 and changes["summary"]["fixed"] == 2
    page = after.html()
    assert "Since the previous run" in page and "compared with run run_test" in page
    section = page[page.index("Since the previous run") : page.index("<h2>Matrix")]
    assert "<h3>New</h3>" in section and "page-missing" in section
    assert "<h3>Fixed</h3>" in section
    assert "component-unsupported" in section and "my.ap.navigateToAlipayPage" in section
    assert "/pages/&lt;i&gt;gone&lt;/i&gt;" in section and "<i>" not in page
    # The new finding is tagged where it is listed with its excerpt.
    tagged = page[page.index('id="rule-page-missing"') :]
    assert f'{fixed_page}:1:22 <span class="new">new</span>' in tagged
    assert {name for name, _ in _tags(page).tags} >= {"ul", "li"}


def test_a_first_run_says_there_is_nothing_to_compare_with() -> None:
    page = check(program({})).html()
    assert "This is the first run of this release." in page
