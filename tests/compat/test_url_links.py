"""URLs kept in constants and config modules: insecure-url (http, ws) and
domain-not-whitelisted (https to a host off the server whitelist api.shop.example,
*.cdn.example.com) found through module constants, template literals, object shorthand,
config objects and config modules imported as ES modules or required as CommonJS, each
reported at the URL of the call. Static rules only."""

from __future__ import annotations

from minirelease.compat.model import DOMAIN_NOT_WHITELISTED, INSECURE_URL
from tests.compat.programs import program
from tests.compat.static_checks import static_findings

CONFIG_MODULES = {
    # ES module, default export of a config object
    "config.js": """
        const HOST = 'http://api.shop.example';
        export default {
          baseUrl: HOST,
          upload: { url: 'https://upload.other.example/files' },
        };
    """,
    # ES module, named exports, and a folder's index.js re-exporting them
    "api/endpoints.js": """
        export const API = 'https://api.other.example/v1';
        export const SAFE = 'https://api.shop.example/v1';
    """,
    "api/index.js": """
        export { API as ORDERS_API } from './endpoints';
        export * from './endpoints';
    """,
    # CommonJS, the whole module.exports, and exports.X
    "utils/env.js": "module.exports = {\n  BASE: 'http://legacy.shop.example',\n};\n",
    "utils/socket.js": """
        exports.FEED = 'ws://live.cdn.example.com/feed';
        exports.SECURE_FEED = 'wss://live.cdn.example.com/feed';
    """,
    "config/hosts.json": '{"cdn": "https://img.other.example", "plain": "http://img.cdn.example.com"}',
}

PAGE = """
    import config from '../../config';
    import { API, SAFE as OK } from '../../api/endpoints';
    const env = require('../../utils/env');
    const { FEED, SECURE_FEED } = require('../../utils/socket');
    const BASE = 'http://api.shop.example';
    Page({
      onLoad(query) {
        my.request({ url: BASE + '/items' });
        my.request({ url: `${BASE}/items/${query.id}` });
        const url = 'https://files.other.example/a.png';
        my.downloadFile({ url });
        my.request({ url: config.baseUrl + '/me' });
        my.uploadFile({ url: config.upload.url, name: 'f', filePath: query.path });
        my.request({ url: `${API}/orders` });
        my.request({ url: OK + '/orders' });
        my.httpRequest({ url: env.BASE + '/old' });
        my.connectSocket({ url: FEED });
        my.connectSocket({ url: SECURE_FEED });
      },
    });
"""


def _places(files: dict[str, bytes], rule: str) -> list[tuple[str | None, int | None, int | None]]:
    return [(f.file, f.line, f.column) for f in static_findings(files, rule)]


def test_urls_from_constants_and_config_modules() -> None:
    files = program({**CONFIG_MODULES, "pages/index/index.js": PAGE})
    index = "pages/index/index.js"
    assert _places(files, INSECURE_URL) == [
        (index, 8, 23),  # module constant + path
        (index, 9, 23),  # template literal
        (index, 12, 23),  # ESM default export's member
        (index, 16, 27),  # CommonJS module.exports member, deprecated my.httpRequest
        (index, 17, 29),  # exports.X destructured from require, ws://
    ]
    assert _places(files, DOMAIN_NOT_WHITELISTED) == [
        (index, 11, 23),  # shorthand { url } of a local constant
        (index, 13, 26),  # nested config object member
        (index, 14, 23),  # ESM named export
    ]
    [insecure_http] = [f for f in static_findings(files, INSECURE_URL) if f.line == 16]
    assert insecure_http.message == (
        "my.httpRequest loads 'http://legacy.shop.example/old' over http://; use https://"
    )


def test_more_ways_to_reach_a_constant() -> None:
    page = """
        import * as endpoints from '../../api';
        import { ORDERS_API } from '../../api';
        const hosts = require('../../config/hosts.json');
        const LEGACY = require('../../utils/env').BASE;
        const { BASE: OLD } = require('../../utils/env');
        const options = { url: endpoints.API + '/a', method: 'POST' };
        function fetchList(url = OLD + '/list') {
          my.request({ url, success() {} });
        }
        Page({
          onLoad() {
            my.request(options);
            my.request({ url: ORDERS_API });
            my.downloadFile({ url: hosts.cdn + '/a.png' });
            my.downloadFile({ url: `${hosts.plain}/b.png` });
            my.request({ url: LEGACY });
            fetchList();
          },
        });
    """
    files = program({**CONFIG_MODULES, "pages/index/index.js": page})
    index = "pages/index/index.js"
    assert _places(files, INSECURE_URL) == [
        (index, 8, 16),  # a parameter's constant default, by shorthand
        (index, 15, 28),  # .json member in a template literal
        (index, 16, 23),  # require(...).BASE
    ]
    assert _places(files, DOMAIN_NOT_WHITELISTED) == [
        (index, 12, 16),  # an options object bound to a name; export * re-export
        (index, 13, 23),  # export { API as ORDERS_API } from
        (index, 14, 28),  # .json member
    ]


def test_what_is_not_a_constant_is_not_read() -> None:
    page = """
        import config from '../../config';
        let base = 'http://api.shop.example';
        const settings = { host: 'http://old.shop.example' };
        settings.host = 'https://api.shop.example';
        Page({
          onLoad(query) {
            if (query.test) base = 'https://api.shop.example';
            my.request({ url: base + '/a' });
            my.request({ url: settings.host + '/b' });
            my.request({ url: config.missing + '/c' });
            my.request({ url: query.url });
            my.request({ url: globalThis.BASE + '/d' });
            my.request({ url: require('../../nowhere').BASE });
          },
        });
    """
    files = program({**CONFIG_MODULES, "pages/index/index.js": page})
    assert static_findings(files, INSECURE_URL) == []
    assert static_findings(files, DOMAIN_NOT_WHITELISTED) == []


def test_modules_that_need_each_other_are_unknown_not_endless() -> None:
    files = program(
        {
            "a.js": "import { B } from './b';\nexport const A = B + '/a';\n",
            "b.js": "import { A } from './a';\nexport const B = A + A;\nexport * from './c';\n",
            "c.js": "export * from './b';\nexport const C = 'http://c.shop.example';\n",
            "pages/index/index.js": """
                import { A } from '../../a';
                import { C, D } from '../../b';
                const x = y, y = x;
                Page({ onLoad() {
                  my.request({ url: A });
                  my.request({ url: x });
                  my.request({ url: D });
                  my.request({ url: C });
                } });
            """,
        }
    )
    assert _places(files, INSECURE_URL) == [("pages/index/index.js", 8, 21)]


def test_a_config_object_in_the_same_file() -> None:
    page = """
        const config = {
          baseUrl: 'http://api.shop.example',
          cdn: { host: 'https://img.other.example' },
        };
        Page({
          onLoad(query) {
            const path = '/items/' + query.id;
            my.request({ url: config.baseUrl + path });
            my.downloadFile({ url: `${config['cdn'].host}/a.png` });
          },
        });
    """
    files = program({"pages/index/index.js": page})
    [insecure] = static_findings(files, INSECURE_URL)
    assert (insecure.line, insecure.column) == (8, 23)
    assert "'http://api.shop.example/items/…'" in insecure.message
    [outside] = static_findings(files, DOMAIN_NOT_WHITELISTED)
    assert (outside.line, outside.column) == (9, 28)
    assert "img.other.example is not on the mini program's server domain whitelist" in (
        outside.message
    )


def test_compiled_common_js_with_babel_interop() -> None:
    files = program(
        {
            "config/index.js": """
                "use strict";
                Object.defineProperty(exports, "__esModule", { value: true });
                exports.default = void 0;
                var _default = { baseUrl: 'http://api.shop.example' };
                exports.default = _default;
            """,
            "utils/hosts.js": (
                "module.exports = exports = { UPLOAD: 'https://up.other.example' };\n"
            ),
            "pages/index/index.js": """
                "use strict";
                var _config = _interopRequireDefault(require("../../config/index"));
                var _hosts = require("../../utils/hosts");
                Page({ onLoad() {
                  my.request({ url: _config.default.baseUrl + "/list" });
                  my.uploadFile({ url: _hosts.UPLOAD, name: "f", filePath: "a.png" });
                } });
            """,
        }
    )
    assert _places(files, INSECURE_URL) == [("pages/index/index.js", 5, 21)]
    assert _places(files, DOMAIN_NOT_WHITELISTED) == [("pages/index/index.js", 6, 24)]
