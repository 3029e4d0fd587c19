"""ES module syntax rewritten to the sandbox's CommonJS, line for line."""

from __future__ import annotations

from textwrap import dedent

from minirelease.compat.runtime.esm import to_commonjs
from minirelease.compat.runtime.scripts import first_syntax_error
from minirelease.compat.syntax import JAVASCRIPT, parse

PAGE = dedent(
    """\
    import request, { BASE as base, get } from '../../utils/api';
    import * as format from '../../utils/format';
    import '../../utils/polyfill';
    import config, { timeout } from '../../config.json';

    Page({
      data: { base },
      onLoad(query) {
        get(base + '/items', { timeout });
        const get2 = (get) => get(query);
        return request.default ? format.price(1) : config;
      },
    });
    """
)


def lines(source: bytes) -> list[str]:
    return source.decode().split("\n")


def test_a_file_without_module_syntax_is_not_parsed_or_changed() -> None:
    source = b"const api = require('./api');\nmodule.exports = { imported: api.exports };\n"
    rewritten = to_commonjs(source)
    assert rewritten == type(rewritten)(source, False, None)


def test_imports_are_hoisted_onto_the_first_line_and_read_through_their_module() -> None:
    rewritten = to_commonjs(PAGE.encode())
    out = lines(rewritten.source)
    assert rewritten.is_module
    assert len(out) == len(PAGE.split("\n"))
    prologue = out[0]
    assert prologue.startswith('"use strict"; __esm.exports({});')
    # Loaded in order, each with the line and column of its statement.
    assert (
        'var _api = __esm.import("../../utils/api", 1, 1), '
        '_format = __esm.import("../../utils/format", 2, 1), '
        '_polyfill = __esm.import("../../utils/polyfill", 3, 1), '
        '_config = __esm.import("../../config.json", 4, 1); var format = _format;'
    ) in prologue
    assert out[1:4] == [" " * len(line) for line in PAGE.split("\n")[1:4]]
    assert out[6] == "  data: { base: _api.BASE },"
    assert out[8] == "    ;(0, _api.get)(_api.BASE + '/items', { timeout: _config.timeout });"
    # A parameter named like an import shadows it.
    assert out[9] == "    const get2 = (get) => get(query);"
    assert out[10] == "    return _api.default.default ? format.price(1) : _config.default;"


def test_exports_are_getters_declared_before_anything_runs() -> None:
    source = dedent(
        """\
        import { BASE } from './env';
        export const TIMEOUT = 5000, { retries, backoff: [first] } = policy();
        export let token = null;
        export function setToken(value) { token = value; }
        export class Client {}
        const url = (path) => BASE + path;
        export { url, url as href, BASE };
        export default function () { return url('/'); }
        """
    ).encode()
    out = lines(to_commonjs(source).source)
    assert out[0].startswith(
        '"use strict"; __esm.exports({"TIMEOUT": () => TIMEOUT, "retries": () => retries, '
        '"first": () => first, "token": () => token, "setToken": () => setToken, '
        '"Client": () => Client, "url": () => url, "href": () => url, "BASE": () => _env.BASE, '
        '"default": () => __default});'
    )
    assert out[1] == "       const TIMEOUT = 5000, { retries, backoff: [first] } = policy();"
    assert out[3] == "       function setToken(value) { token = value; }"
    # An anonymous default function stays a hoisted declaration, under a name of its own.
    assert out[7] == "               function __default () { return url('/'); }"


def test_default_expressions_and_re_exports() -> None:
    source = dedent(
        """\
        export * from './format';
        export * as money from './money';
        export { get, post as send } from './http';
        export { default as Button } from './button';
        export default {
          name: 'ui',
        };
        """
    ).encode()
    rewritten = to_commonjs(source)
    out = lines(rewritten.source)
    assert (
        '__esm.exports({"money": () => _money, "get": () => _http.get, '
        '"send": () => _http.post, "Button": () => _button.default});'
    ) in out[0]
    assert out[0].rstrip().endswith("__esm.star(_format);")
    assert out[4] == "exports.default = {"
    assert len(out) == source.count(b"\n") + 1


def test_dynamic_import_becomes_the_helper_even_in_a_commonjs_file() -> None:
    source = b"const x = require('./x');\nfunction later() {\n  return import('./lazy');\n}\n"
    rewritten = to_commonjs(source)
    assert not rewritten.is_module
    assert lines(rewritten.source)[2] == "  return __esm.dynamic('./lazy');"


def test_generated_names_never_take_one_the_file_uses() -> None:
    source = (
        b"import util from './util';\nconst _util = 1, __default = 2;\nexport default class {}\n"
    )
    out = lines(to_commonjs(source).source)
    assert 'var _util2 = __esm.import("./util", 1, 1)' in out[0]
    assert '"default": () => __default2' in out[0]
    assert out[2] == "               class __default2 {}"


def test_a_file_that_does_not_parse_is_left_as_it_is_and_its_error_located() -> None:
    source = b"import { a } from './a';\nexport function f() {\n  return a +;\n}\n"
    rewritten = to_commonjs(source)
    assert rewritten.source == source and not rewritten.is_module
    assert rewritten.tree is not None
    problem = first_syntax_error(rewritten.tree, source)
    assert problem is not None and (problem.line, problem.column) == (3, 13)


def test_the_first_error_of_a_script_is_at_its_own_line() -> None:
    source = "// 价格\nconst a = 1;\nfunction f() {\n  const b = (a;\n}\n".encode()
    problem = first_syntax_error(parse(JAVASCRIPT, source), source)
    assert problem is not None and problem.line == 4
    assert first_syntax_error(parse(JAVASCRIPT, b"const a = 1;\n"), b"const a = 1;\n") is None
