"""Code written to break the analyzer: nesting deeper than Python recurses, chains long
enough to make a naive walk quadratic, bytes that are not UTF-8. Each is analyzed, with
positions, instead of crashing the run."""

from __future__ import annotations

import time

from minirelease.compat.axmlfacts import template_facts
from minirelease.compat.jsfacts import script_facts
from minirelease.compat.model import INSECURE_URL
from tests.compat.programs import program
from tests.compat.static_checks import static_findings


def test_a_guard_negated_a_hundred_thousand_times() -> None:
    facts = script_facts(b"if (" + b"!" * 100_000 + b"my.canIUse('scan')) { my.scan(); }\n")
    # An even number of negations: the guard holds where the consequence runs.
    [scan] = [call for call in facts.calls if call.api == "my.scan"]
    assert scan.guarded


def test_deeply_nested_calls_are_found() -> None:
    depth = 50_000
    facts = script_facts(b"x = " + b"[(" * depth + b"my.scan()" + b")]" * depth + b";")
    assert [(call.api, call.line, call.column) for call in facts.calls] == [
        ("my.scan", 1, 5 + 2 * depth)
    ]


def test_a_long_chain_of_guards() -> None:
    guards = b" && ".join(b"my.canIUse('api%d')" % n for n in range(10_000))
    facts = script_facts(guards + b" && my.scan();\n" + b"a && " * 10_000 + b"my.scan();\n")
    scans = [call for call in facts.calls if call.api == "my.scan"]
    assert [call.line for call in scans] == [1, 2]
    assert len(scans[0].guards) <= 64 and not scans[0].guarded and not scans[1].guarded


def test_bytes_that_are_not_utf8_and_a_byte_order_mark() -> None:
    facts = script_facts(b"\xef\xbb\xbfmy.scan('\xff\xfe');\n  my.tradePay();\n")
    assert [(call.api, call.line, call.column) for call in facts.calls] == [
        ("my.scan", 1, 1),
        ("my.tradePay", 2, 3),
    ]
    template = template_facts(b"\xef\xbb\xbf<view>\xff{{ a <b </view><map/>")
    assert [(e.tag, e.line, e.column) for e in template.elements] == [
        ("view", 1, 1),
        ("b", 1, 13),  # an unclosed {{ leaves "<b" a tag
        ("map", 1, 23),
    ]


def test_columns_on_a_long_minified_line_count_characters() -> None:
    parts = [
        b"my.request({url:'https://a.example/%d',data:'\xe4\xbb\xb7\xe6\xa0\xbc'});" % n
        for n in range(3000)
    ]
    line = b"var s='\xf0\x9f\x9b\x92';" + b"".join(parts)
    facts = script_facts(b"// \xe8\xb4\xad\xe7\x89\xa9\n" + line + b"\n")
    text = line.decode()
    expected = [index + 1 for index in range(len(text)) if text.startswith("my.request", index)]
    assert [call.column for call in facts.calls] == expected
    assert {call.line for call in facts.calls} == {2}
    assert [url.column for url in facts.urls] == [column + 16 for column in expected]


def test_chains_of_constants_across_files_and_names_end_unknown() -> None:
    chain = 300
    files = program(
        {
            **{
                f"lib/m{n}.js": f"import {{ B }} from './m{n + 1}';\nexport const B = B + '/x';\n"
                if n < chain
                else "export const B = 'http://end.shop.example';\n"
                for n in range(chain + 1)
            },
            "pages/index/index.js": (
                "import { B } from '../../lib/m0';\n"
                + "".join(f"const a{n + 1} = a{n};\n" for n in range(1000))
                + "const a0 = 'http://alias.shop.example';\n"
                + "function f() {\n"
                + "".join(f"  const b{n + 1} = b{n};\n" for n in range(1000))
                + "  const b0 = 'http://inner.shop.example';\n"
                + "  my.request({ url: b1000 });\n}\n"
                + "my.request({ url: B });\nmy.request({ url: a1000 });\n"
                + "my.request({ url: "
                + " + ".join(["a0"] * 5_000)
                + " });\n"
                + "my.request({ url: a0 + '/ok' });\n"
            ),
        }
    )
    started = time.monotonic()
    found = static_findings(files, INSECURE_URL)
    assert time.monotonic() - started < 10
    # Each chain is longer than is followed: unknown, so no finding, and no crash; the
    # constant used directly is still read.
    assert [(f.file, f.line) for f in found] == [("pages/index/index.js", 2010)]
