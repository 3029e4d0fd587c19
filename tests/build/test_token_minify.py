"""The token minifier: the least whitespace that keeps meaning, a line break wherever
automatic semicolon insertion may depend on it, and programs that behave as before when
run in the embedded V8."""

from __future__ import annotations

import pytest

from minirelease.build.js_tokens import NotTokenizable
from minirelease.build.token_minify import minify_with_positions
from tests.build.js_samples import SAMPLES
from tests.build.v8 import evaluate as run


def minified(source: str) -> str:
    return minify_with_positions(source.encode()).code


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Spaces only where tokens would run together.
        ("var  x  =  a  +  +b ;", "var x=a+ +b;"),
        ("x = a - -b - --c", "x=a- -b- --c"),
        ("x = a / /re/g.exec(s).length", "x=a/ /re/g.exec(s).length"),
        ("ok = /re/i instanceof RegExp", "ok=/re/i instanceof RegExp"),
        ("n = 1 .toString() + 2.5 .toFixed()", "n=1 .toString()+2.5 .toFixed()"),
        ("t = a < !--b", "t=a< !--b"),
        ("return  typeof  x  ===  'string'", "return typeof x==='string'"),
        # Line breaks go where they cannot end a statement ...
        ("f(\n  a,\n  b\n)\n.then(g)\n", "f(a,b).then(g)"),
        ("x = {\n  a: 1,\n}\n", "x={a:1,}"),
        # ... and stay where automatic semicolon insertion may use them.
        ("x = 1\ny = 2", "x=1\ny=2"),
        ("return\nx", "return\nx"),
        ("a\n++b", "a\n++b"),
        ("i++\nj", "i++\nj"),
        ("x = a\n(b)", "x=a\n(b)"),
        ("x = a\n[0]", "x=a\n[0]"),
        ("x = a\n`t`", "x=a\n`t`"),
        # Comments go, licences stay; a comment holding a line break is a line break.
        ("a /* gone */ = /*! kept */ 1 // gone", "a=/*! kept */1"),
        ("return /*\n*/ x", "return\nx"),
        # Strings, regular expressions and templates keep their text.
        ('s = "a  //  b" + `  ${ x  +  1 }  ` + /a  b/', 's="a  //  b"+`  ${x+1}  `+/a  b/'),
        ('s = "one \\\n two"', 's="one \\\n two"'),
    ],
)
def test_whitespace_rules(source: str, expected: str) -> None:
    assert minified(source) == expected


def test_comments_only_leave_nothing() -> None:
    result = minify_with_positions(b"// nothing here\n/* at all */\n")
    assert (result.code, result.segments) == ("", [])


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("var a = (1;\nfoo(", "a syntax error at line 1, column 11"),
        ("const é = 1\nlet = = 2", "a syntax error at line 2"),
        ("x = <div> a  b </div>", "JSX"),
        ("x = a <!--b\ny()", "<!--"),
    ],
)
def test_what_it_cannot_take_is_refused_with_a_reason(source: str, reason: str) -> None:
    with pytest.raises(NotTokenizable, match=reason):
        minify_with_positions(source.encode())


@pytest.mark.parametrize("name", list(SAMPLES))
def test_minified_code_behaves_like_the_original_in_v8(name: str) -> None:
    source, result = SAMPLES[name]
    code = minified(source)
    assert len(code) < len(source)
    assert run(code, result) == run(source, result)


def test_the_v8_check_can_fail() -> None:
    # Without the kept line break, "return\n42" would return 42.
    source = "function f () {\n  return\n  42\n}"
    assert run(source, "[f()]") == [None]
    assert run(minified(source).replace("\n", " "), "[f()]") == [42]
