"""Minifiers keep programs meaning the same; with source maps on, JS gets a map that maps,
or none at all."""

from __future__ import annotations

import json

import pytest

from minirelease.build.config import BuildConfiguration
from minirelease.build.minify import (
    minifier_for,
    minify_css,
    minify_js,
    minify_js_with_map,
    source_mapping_comment,
)
from minirelease.errors import PackageInvalid
from tests.build.samples import APP_JS, INDEX_ACSS, INDEX_JS
from tests.build.v8 import evaluate

TRICKY_JS = b"""/*! keep me: licence */
// a line comment
var a = 1  ,  b = "  spaced  // not a comment " ;
var re = / +\\/\\* not a comment \\*\\/ +/g ;
var c = a
+ +b ;           // unary plus must not fuse into ++
var d = a - -b ;
function f ( x ) {
  return /* inline */ x
    + 1 ;
}
var t = `template   ${ a }   literal` ;
log.push( [ a , b , String( re ) , c , d , f( 2 ) , t ] ) ;
"""


def test_js_minification_removes_comments_and_whitespace_only() -> None:
    # Strings, regular expressions and template literals are untouched; a line break is
    # kept wherever automatic semicolon insertion could depend on it.
    assert minify_js(TRICKY_JS) == (
        b"/*! keep me: licence */"
        b'var a=1,b="  spaced  // not a comment ";var re=/ +\\/\\* not a comment \\*\\/ +/g;'
        b"var c=a\n+ +b;var d=a- -b;function f(x){return x\n+1;}\n"
        b"var t=`template   ${ a }   literal`;log.push([a,b,String(re),c,d,f(2),t]);"
    )


def test_css_minification() -> None:
    assert (
        minify_css(INDEX_ACSS) == b".greeting{color:#ff0000;margin:0 auto}.title{font-size:32rpx}"
    )


# Stubbed globals record what a program does; the log is what it did.
_HARNESS = (
    "const log=[];globalThis.App=o=>log.push(Object.keys(o));"
    "const plain=(k,v)=>v instanceof RegExp?String(v):v;"
    "globalThis.Page=o=>log.push(JSON.stringify(o.data,plain));"
    "globalThis.my={};\n"
)


def _ran(script: bytes) -> object:
    return evaluate(_HARNESS + script.decode(), "log")


@pytest.mark.parametrize("script", [TRICKY_JS, APP_JS, INDEX_JS], ids=["tricky", "app", "page"])
def test_minified_js_still_parses_and_runs_the_same_in_v8(script: bytes) -> None:
    original = _ran(script)
    assert original, "the program did something to compare"
    assert _ran(minify_js(script)) == original


def test_the_v8_behaviour_check_can_fail() -> None:
    # A minifier that dropped the line break after "return" would change what runs.
    source = b"function f(x){return\n1}log.push(f(1));"
    assert _ran(source) == [None]
    assert _ran(source.replace(b"\n", b" ")) == [1]


def test_minifier_follows_the_configuration() -> None:
    both = BuildConfiguration()
    neither = BuildConfiguration(minify_js=False, minify_css=False)
    assert minifier_for("pages/a/a.js", both) is minify_js
    assert minifier_for("APP.JS", both) is minify_js
    assert minifier_for("pages/a/a.acss", both) is minify_css
    assert minifier_for("vendor/reset.css", both) is minify_css
    for name in ("pages/a/a.axml", "app.json", "pages/a/a.sjs", "a.js.map", "logo.png"):
        assert minifier_for(name, both) is None, name
    assert minifier_for("pages/a/a.js", neither) is None
    assert minifier_for("pages/a/a.acss", neither) is None


def test_js_with_a_map_is_token_minified_and_mapped() -> None:
    mapped = minify_js_with_map("pages/a b/index.js", "\ufeffvar é = 1 ;\nlog( é )".encode())
    assert mapped.code == "var é=1;log(é)".encode()
    assert mapped.source_map is not None
    assert json.loads(mapped.source_map) == {
        "version": 3,
        "file": "index.js",
        "sources": ["index.js"],
        "sourcesContent": ["var é = 1 ;\nlog( é )"],  # without the byte order mark
        "names": [],
        # var é = 1 ; then, on the next original line, log ( é )
        "mappings": "AAAA,IAAI,CAAE,CAAE,CAAE,CACV,GAAG,CAAE,CAAE",
    }
    assert mapped.no_map_reason is None


def test_js_tree_sitter_cannot_parse_gets_rjsmin_and_no_map() -> None:
    broken = b"var a = (1 ;\nfoo(  a  )"
    mapped = minify_js_with_map("broken.js", broken)
    assert (mapped.code, mapped.source_map) == (minify_js(broken), None)
    assert mapped.no_map_reason == (
        "a syntax error at line 1, column 11; minified by rjsmin instead"
    )


def test_js_with_nothing_to_map_gets_no_map() -> None:
    mapped = minify_js_with_map("empty.js", b"// only a comment\n")
    assert (mapped.code, mapped.source_map) == (b"", None)
    assert mapped.no_map_reason == "nothing of it is left to map after minification"


def test_source_mapping_comment_links_the_map_by_relative_url() -> None:
    assert source_mapping_comment("pages/a b/my page.js") == (
        b"\n//# sourceMappingURL=my%20page.js.map\n"
    )


def test_source_map_needs_utf8() -> None:
    with pytest.raises(PackageInvalid) as caught:
        minify_js_with_map("legacy.js", b"var s = '\xe9';")
    assert (caught.value.rule, caught.value.entry) == ("invalid-encoding", "legacy.js")
