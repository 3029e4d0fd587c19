"""Only the scripts a run can load go to the engine: followed through literal requires as
the sandbox resolves them, and every script where a require is not a literal."""

from __future__ import annotations

from minirelease.compat.runtime.reachable import reachable_scripts

SCRIPTS = {
    "app.js": "const api = require('./utils/api');\nApp({});\n",
    "utils/api.js": "module.exports = require(\"../lib\") && require('/lib/extra.js');\n",
    "lib/index.js": "module.exports = 1;\n",
    "lib/extra.js": "module.exports = 2;\n",
    "pages/index/index.js": "const f = require('../../utils/format');\nPage({});\n",
    "utils/format.js": "module.exports = {};\n",
    "utils/unused.js": "module.exports = require('./also-unused');\n",
    "utils/also-unused.js": "module.exports = 3;\n",
    "pages/detail/detail.js": "Page({});\n",
}


def test_literal_requires_are_followed_from_app_and_pages() -> None:
    kept = reachable_scripts(SCRIPTS, ["app.js", "pages/index/index.js", "pages/detail/detail.js"])
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
    scripts = {**SCRIPTS, "utils/format.js": "const name = 'unused';\nrequire('./' + name);\n"}
    assert reachable_scripts(scripts, ["pages/index/index.js"]) == scripts


def test_an_aliased_require_keeps_every_script() -> None:
    scripts = {**SCRIPTS, "app.js": "const load = require;\nload('./utils/unused');\n"}
    assert reachable_scripts(scripts, ["app.js"]) == scripts


def test_requests_outside_the_package_or_missing_lead_nowhere() -> None:
    scripts = {"app.js": "require('../../etc/passwd'); require('fs'); require('./nope');\n"}
    assert reachable_scripts(scripts, ["app.js", "pages/gone.js"]) == scripts
