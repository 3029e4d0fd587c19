"""The loop-counting rewrite: every loop numbered package-wide, its line kept, the program
unchanged in what it does."""

from __future__ import annotations

from importlib import resources

from minirelease.compat.runtime.loops import MAX_LOOPS, count_loops, loop_site
from tests.compat.runtime.programs import smoke

EVERY_KIND = (
    "for (let i = 0; i < 3; i++) total += i;\n"
    "for (const key in table) { total += table[key]; }\n"
    "for (const item of list)\n"
    "  if (item) total += item; else continue;\n"
    "while (total > 100) total -= 1\n"
    "do total++; while (total < 10);\n"
    "outer: for (;;) { for (;;) break outer; }\n"
)


def test_every_kind_of_loop_is_counted_on_its_own_line() -> None:
    counted = count_loops({"b.js": EVERY_KIND, "a.js": "while (ready()) {\n  step();\n}\n"})
    assert counted["a.js"] == "while (ready()) {__loops.n[0]++;\n  step();\n}\n"
    lines = counted["b.js"].split("\n")
    assert len(lines) == len(EVERY_KIND.split("\n"))
    assert lines[0] == "for (let i = 0; i < 3; i++) {__loops.n[1]++;total += i;}"
    assert lines[3] == "  {__loops.n[3]++;if (item) total += item; else continue;}"
    assert lines[4] == "while (total > 100) {__loops.n[4]++;total -= 1}"
    assert lines[5] == "do {__loops.n[5]++;total++;} while (total < 10);"
    assert lines[6] == "outer: for (;;) {__loops.n[6]++; for (;;) {__loops.n[7]++;break outer;} }"
    sites = [loop_site(counted, number) for number in range(9)]
    assert sites == [
        ("a.js", 1),
        ("b.js", 1),
        ("b.js", 2),
        ("b.js", 4),  # the line its body starts on
        ("b.js", 5),
        ("b.js", 6),
        ("b.js", 7),
        ("b.js", 7),
        None,
    ]


def test_a_file_that_does_not_parse_or_has_no_loop_is_left_as_it_is() -> None:
    broken = "while (true {\n"
    plain = "const fortune = 'do or do not';\n"
    assert count_loops({"x.js": broken, "y.js": plain}) == {"x.js": broken, "y.js": plain}


def test_counted_loops_compute_what_they_did() -> None:
    # Any change in what the loops compute throws, which the smoke test would report.
    page = (
        "const table = { a: 1, b: 2 };\nconst list = [0, 4, 5];\nlet total = 0;\n"
        + EVERY_KIND
        + "Page({ onLoad() {\n"
        "  if (total !== 16) throw new Error('loops computed ' + total);\n"
        "  let n = 0;\n  label: while (true) { n++; if (n > 2) break label; }\n"
        "  if (n !== 3) throw new Error('n is ' + n);\n} });\n"
    )
    assert smoke({"pages/index/index.js": page}) == []


def test_loops_js_counts_as_many_loops_as_loops_py_numbers() -> None:
    host = resources.files("minirelease.compat.runtime").joinpath("loops.js").read_text()
    assert f"new Float64Array({MAX_LOOPS})" in host
