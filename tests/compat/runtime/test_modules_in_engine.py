"""ES modules, npm packages and .json files in the smoke test's engine: what a page imports
runs, and a broken import is reported at the file and line a developer has to fix. Each
program ends in a deliberate throw whose message carries what the page saw."""

from __future__ import annotations

import json
import re

from minirelease.compat.model import Finding
from tests.compat.programs import program
from tests.compat.runtime.programs import smoke, where

PAGE = "pages/index/index"


def run(files: dict[str, str], pages: tuple[str, ...] = (PAGE,)) -> list[Finding]:
    package = program(files, pages=pages)
    return smoke({path: data.decode() for path, data in package.items()}, pages=pages)


def seen(finding: Finding) -> object:
    """The JSON a page threw (``throw new Error(JSON.stringify(…))``)."""
    match = re.search(r"Error: (\{.*\}) \(", finding.message)
    assert match is not None, finding.message
    return json.loads(match.group(1))


def test_a_page_importing_utils_a_barrel_json_and_npm_packages_runs() -> None:
    findings = run(
        {
            "utils/format.js": """
                export const CURRENCY = 'CNY';
                export let formatted = 0;
                export function price(cents) {
                  formatted += 1;
                  return `${CURRENCY} ${(cents / 100).toFixed(2)}`;
                }
                export default { name: 'format' };
            """,
            "utils/request.js": """
                const { base } = require('../config/env.json');
                module.exports = function request(path) { return base + path; };
            """,
            "utils/index.js": """
                export * from './format';
                export { default as format } from './format';
                export * as money from './format';
                export { default as request } from './request';
            """,
            "config/env.json": '{"base": "https://api.shop.example"}',
            "node_modules/dayjs/package.json": '{"main": "dayjs.min.js"}',
            "node_modules/dayjs/dayjs.min.js": (
                "!function(t,e){'object'==typeof exports&&'undefined'!=typeof module?"
                "module.exports=e():t.dayjs=e()}(this,function(){return function(){"
                "return {format:function(){return '2026-12-07'}}}});\n"
            ),
            "node_modules/antd-mini/package.json": '{"main": "lib/index.js", "miniprogram": "es"}',
            "node_modules/antd-mini/es/index.js": "export { Toast } from './Toast';\n",
            "node_modules/antd-mini/es/Toast/index.js": "export const Toast = 'es-toast';\n",
            "node_modules/@alipay/lite/package.json": '{"main": "./dist/lite"}',
            "node_modules/@alipay/lite/dist/lite.js": "exports.version = '1.2.0';\n",
            f"{PAGE}.js": """
                import fmt, { price } from '../../utils/format';
                import * as utils from '../../utils';
                import env from '../../config/env.json';
                import dayjs from 'dayjs';
                import { Toast } from 'antd-mini';
                import { version } from '@alipay/lite';
                const same = require('../../config/env.json') === env;
                Page({
                  onLoad() {
                    const label = price(250);
                    throw new Error(JSON.stringify({
                      label, formatted: utils.formatted, name: fmt.name, barrel: utils.format.name,
                      money: utils.money.CURRENCY, url: utils.request('/items'), same,
                      date: dayjs().format(), Toast, version, keys: Object.keys(utils).sort(),
                    }));
                  },
                });
            """,
        }
    )
    assert where(findings) == [("runtime-exception", f"{PAGE}.js", 11)]
    assert seen(findings[0]) == {
        "label": "CNY 2.50",
        "formatted": 1,  # a live binding: read after price() counted
        "name": "format",
        "barrel": "format",
        "money": "CNY",
        "url": "https://api.shop.example/items",
        "same": True,
        "date": "2026-12-07",
        "Toast": "es-toast",
        "version": "1.2.0",
        "keys": ["CURRENCY", "format", "formatted", "money", "price", "request"],
    }


def test_circular_imports_see_each_other_through_live_bindings() -> None:
    findings = run(
        {
            "store/cart.js": """
                import { user } from './user';
                export const cart = { items: [], owner: () => user.name };
            """,
            "store/user.js": """
                import { cart } from './cart';
                export const user = { name: 'ada', cartSize: () => cart.items.length };
            """,
            f"{PAGE}.js": """
                import { cart } from '../../store/cart';
                import { user } from '../../store/user';
                Page({
                  onLoad() {
                    cart.items.push('tea');
                    throw new Error(JSON.stringify({ owner: cart.owner(), size: user.cartSize() }));
                  },
                });
            """,
        }
    )
    assert where(findings) == [("runtime-exception", f"{PAGE}.js", 6)]
    assert seen(findings[0]) == {"owner": "ada", "size": 1}


def test_broken_imports_are_reported_where_they_are() -> None:
    findings = run(
        {
            # A syntax error in an imported module: at its own file and line.
            "utils/price.js": """
                export function price(cents) {
                  return (cents / 100;
                }
            """,
            "pages/cart/cart.js": """
                // The cart page.
                import { price } from '../../utils/price';
                Page({});
            """,
            # A missing module: at the importing line, in the importing file.
            "pages/detail/detail.js": """
                import { get } from '../../utils/request';
                import dayjs from 'dayjs';
                Page({});
            """,
            # A broken .json file: at its own line.
            "config.json": '{\n  "base": "https://api.shop.example",\n}\n',
            "pages/about/about.js": """
                const config = require('../../config.json');
                Page({});
            """,
            "utils/request.js": "export const get = () => {};\n",
            # An error only V8 sees (the parser reads it): the module's file, no line.
            "utils/cache.js": "export let hits = 0;\nlet misses = 0;\nlet misses = 1;\n",
            "pages/user/user.js": """
                import { hits } from '../../utils/cache';
                Page({});
            """,
        },
        pages=("pages/cart/cart", "pages/detail/detail", "pages/about/about", "pages/user/user"),
    )
    assert where(findings) == [
        ("runtime-exception", "config.json", 3),
        ("runtime-exception", "pages/detail/detail.js", 2),
        ("runtime-exception", "utils/cache.js", None),
        ("runtime-exception", "utils/price.js", 2),
    ]
    assert "Identifier 'misses' has already been declared" in findings[2].message
    assert "SyntaxError" in findings[0].message
    assert "Cannot find module 'dayjs' from 'pages/detail/detail.js'" in findings[1].message
    assert "SyntaxError" in findings[3].message


def test_a_require_of_a_missing_module_is_reported_at_its_line() -> None:
    findings = run(
        {
            f"{PAGE}.js": """
                const app = getApp();
                const { track } = require('../../utils/track');
                Page({});
            """
        }
    )
    assert where(findings) == [("runtime-exception", f"{PAGE}.js", 2)]
    assert (
        "Cannot find module '../../utils/track' from 'pages/index/index.js'" in findings[0].message
    )


def test_dynamic_import_gives_a_tracked_promise_of_the_namespace() -> None:
    findings = run(
        {
            "utils/chart.js": "module.exports = { draw: () => 'drawn' };\n",
            "utils/lang/en.js": "export default { hello: 'hello' };\n",
            f"{PAGE}.js": """
                Page({
                  onLoad() {
                    const lang = 'en';
                    import('../../utils/chart').then(({ default: chart, draw }) => {
                      throw new Error(JSON.stringify({ chart: chart.draw(), draw: draw() }));
                    });
                    import(`../../utils/lang/${lang}`).then((words) => words.default.hello);
                    import('../../utils/missing');
                  },
                });
            """,
        }
    )
    assert where(findings) == [
        ("unhandled-rejection", f"{PAGE}.js", 5),
        ("unhandled-rejection", f"{PAGE}.js", 8),
    ]
    # The default of a CommonJS module is its module.exports; a name, one of its properties.
    assert seen(findings[0]) == {"chart": "drawn", "draw": "drawn"}
    assert "Cannot find module '../../utils/missing'" in findings[1].message


def test_code_without_semicolons_calls_an_imported_function_as_written() -> None:
    # The call to an import is rewritten to start with "(": at the start of a statement
    # after a line without a semicolon it must not call that line's value.
    findings = run(
        {
            "lib/api.js": "export function fetchList(query) { return Promise.resolve([query]) }\n",
            f"{PAGE}.js": """
                import { fetchList } from '../../lib/api'
                Page({
                  data: { page: 1 },
                  onLoad() {
                    const query = {
                      page: this.data.page
                    }
                    fetchList(query).then((list) => this.setData({ list }))
                  },
                })
            """,
        }
    )
    assert findings == []
