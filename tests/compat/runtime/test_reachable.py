"""Only the files a run can load go to the engine: followed through literal specifiers
(require, import, export-from, import()) as the one resolver answers them, .json files and
npm packages included, and every script and .json file where a load is not a literal."""

from __future__ import annotations

from minirelease.compat.runtime.reachable import reachable_files

SCRIPTS = {
    "app.js": b"const api = require('./utils/api');\nApp({});\n",
    "utils/api.js": b"module.exports = require(\"../lib\") && require('/lib/extra.js');\n",
    "lib/index.js": b"module.exports = 1;\n",
    "lib/extra.js": b"module.exports = 2;\n",
    "pages/index/index.js": b"const f = require('../../utils/format');\nPage({});\n",
    "utils/format.js": b"module.exports = {};\n",
    "utils/unused.js": b"module.exports = require('./also-unused');\n",
    "utils/also-unused.js": b"module.exports = 3;\n",
    "pages/detail/detail.js": b"Page({});\n",
}


def test_literal_requires_are_followed_from_app_and_pages() -> None:
    kept = reachable_files(SCRIPTS, ["app.js", "pages/index/index.js", "pages/detail/detail.js"])
    assert list(kept) == [
        "app.js",
        "utils/api.js",
        "lib/index.js",
        "lib/extra.js",
        "pages/index/index.js",
        "utils/format.js",
        "pages/detail/detail.js",
    ]


def test_a_computed_require_keeps_every_script() -> None:
    scripts = {**SCRIPTS, "utils/format.js": b"const name = 'unused';\nrequire('./' + name);\n"}
    assert reachable_files(scripts, ["pages/index/index.js"]) == list(scripts)


def test_an_aliased_require_keeps_every_script() -> None:
    scripts = {**SCRIPTS, "app.js": b"const load = require;\nload('./utils/unused');\n"}
    assert reachable_files(scripts, ["app.js"]) == list(scripts)


def test_requests_outside_the_package_or_missing_lead_nowhere() -> None:
    scripts = {"app.js": b"require('../../etc/passwd'); require('fs'); require('./nope');\n"}
    assert reachable_files(scripts, ["app.js", "pages/gone.js"]) == ["app.js"]


PACKAGE = {
    "app.json": b'{"pages": ["pages/index/index"]}',
    "app.js": b"import { store } from './store';\nApp({});\n",
    "store/index.js": b"export * from './state';\nexport { a } from '../lib/a.js';\n",
    "store/state.js": b"export const store = {};\n",
    "lib/a.js": b"export const a = require('../config.json');\n",
    "config.json": b"{}",
    "pages/index/index.js": b"import dayjs from 'dayjs';\nPage({ onLoad() { import('./lazy') } });",
    "pages/index/lazy.js": b"module.exports = 1;\n",
    "node_modules/dayjs/package.json": b'{"main": "dist/dayjs.js"}',
    "node_modules/dayjs/dist/dayjs.js": b"module.exports = () => {};\n",
    "node_modules/dayjs/dist/unused.js": b"module.exports = 0;\n",
    "data/unused.json": b"[]",
}


def test_imports_re_exports_dynamic_imports_json_and_npm_packages_are_followed() -> None:
    kept = reachable_files(PACKAGE, ["app.js", "pages/index/index.js"])
    assert kept == [
        "app.js",
        "store/index.js",
        "store/state.js",
        "lib/a.js",
        "config.json",
        "pages/index/index.js",
        "pages/index/lazy.js",
        "node_modules/dayjs/dist/dayjs.js",
    ]


def test_a_computed_specifier_keeps_every_script_and_json_file() -> None:
    package = {**PACKAGE, "pages/index/lazy.js": b"module.exports = (n) => import('./' + n);\n"}
    kept = reachable_files(package, ["pages/index/index.js"])
    assert kept == [path for path in package if path.endswith((".js", ".json"))]
