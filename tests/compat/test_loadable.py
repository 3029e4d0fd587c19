"""Only the files a mini program can load are checked for code: the pages of app.json and
its subpackages, the components their usingComponents name (relative, root-absolute, npm),
the templates and .sjs modules templates import, and the modules scripts load. A draft page,
an unused component or a Node script shipped beside the program never runs, so the rules
that read code say nothing about it (the size rules still count its bytes)."""

from __future__ import annotations

import json

from minirelease.compat.model import (
    COMPONENT_UNSUPPORTED,
    DOMAIN_NOT_WHITELISTED,
    INSECURE_URL,
    JSAPI_UNSUPPORTED,
    PAGE_MISSING,
    SYNTAX_UNSUPPORTED,
)
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import parse_package
from minirelease.partners.defaults import shipped_profile
from tests.compat.programs import check, findings, program
from tests.compat.static_checks import static_findings


def _using(**components: str) -> str:
    return json.dumps({"usingComponents": components})


COMPONENT = {"component": True}

# One of each way a file gets loaded, and one of each way a file ships without loading.
FILES = {
    "app.json": json.dumps(
        {
            "pages": ["pages/index/index", "pages/detail/detail"],
            "subPackages": [{"root": "shop", "pages": ["pages/cart/cart"]}],
            "usingComponents": {"nav-bar": "/components/nav-bar/nav-bar"},
        }
    ),
    "app.acss": "page { color: #333; }\n",
    "pages/index/index.js": """
        import { get } from '../../utils/http';
        Page({ onLoad() { get('/home'); } });
    """,
    "pages/index/index.json": _using(
        card="./card/card",
        badge="../../components/badge/index",
        button="antd-mini/es/Button/index",
        map="plugin://mapPlugin/map",
        generic="components/plain/plain",
    ),
    "pages/index/index.axml": """
        <import src="/templates/row.axml"/>
        <import-sjs name="fmt" from="./fmt.sjs"/>
        <card/><badge/><button/>
    """,
    "pages/index/index.acss": ".card { margin: 8rpx; }\n",
    "pages/index/fmt.sjs": "export default { price: (n) => n.toFixed(2) };\n",
    "pages/index/card/card.json": json.dumps(
        {
            **COMPONENT,
            "usingComponents": {"p": "../../../components/price/price"},
            "componentGenerics": {"cell": {"default": "/components/cell/cell"}},
        }
    ),
    "pages/index/card/card.axml": "<view><p/></view>\n",
    "pages/index/card/card.js": "Component({});\n",
    # A cycle: a price shows a card again.
    "components/price/price.json": json.dumps(
        {**COMPONENT, "usingComponents": {"c": "/pages/index/card/card"}}
    ),
    "components/price/price.axml": "<text>{{value}}</text>\n",
    "components/cell/cell.axml": "<view/>\n",
    "components/cell/cell.acss": "view { padding: 0; }\n",
    "components/badge/index.json": json.dumps(COMPONENT),
    "components/badge/index.axml": "<text>new</text>\n",
    "components/nav-bar/nav-bar.json": json.dumps(COMPONENT),
    "components/nav-bar/nav-bar.axml": "<view/>\n",
    "components/nav-bar/nav-bar.js": "Component({});\n",
    # Named without "./": no npm package answers, so the path from the root.
    "components/plain/plain.json": json.dumps(COMPONENT),
    "components/plain/plain.axml": "<view/>\n",
    "components/unused/unused.json": json.dumps(COMPONENT),
    "components/unused/unused.axml": "<view/>\n",
    "components/unused/unused.js": "Component({});\n",
    "templates/row.axml": '<template name="row"><include src="./footer"/></template>\n',
    "templates/footer.axml": '<import src="/templates/row.axml"/><view/>\n',
    "templates/unused.axml": "<view/>\n",
    "utils/http.js": """
        const config = require('../config.json');
        export const get = () => config;
    """,
    "config.json": '{"base": "https://api.shop.example"}\n',
    "utils/unused.js": "module.exports = 1;\n",
    "node_modules/antd-mini/package.json": '{"name": "antd-mini", "main": "es/index.js"}\n',
    "node_modules/antd-mini/es/Button/index.json": json.dumps(COMPONENT),
    "node_modules/antd-mini/es/Button/index.axml": "<button/>\n",
    "node_modules/antd-mini/es/Button/index.js": "import '../_util/style';\nComponent({});\n",
    "node_modules/antd-mini/es/_util/style.js": "export default {};\n",
    "node_modules/antd-mini/es/Modal/index.json": json.dumps(COMPONENT),
    "node_modules/antd-mini/es/Modal/index.axml": "<view/>\n",
    "node_modules/antd-mini/es/Modal/index.js": "Component({});\n",
    "shop/pages/cart/cart.json": _using(line="../../components/line/line"),
    "shop/pages/cart/cart.axml": "<line/>\n",
    "shop/components/line/line.json": json.dumps(COMPONENT),
    "shop/components/line/line.axml": "<view/>\n",
    "shop/components/line/line.js": "Component({});\n",
    "pages/draft/draft.js": "Page({});\n",
    "pages/draft/draft.axml": "<view/>\n",
    "mini.js": "const http = require('http');\nawait http.createServer().listen(3000);\n",
}


def _loadable(files: dict[str, bytes]) -> set[str]:
    return set(parse_package(BuiltPackage.from_files(files)).loadable)


def test_what_pages_components_templates_and_modules_load() -> None:
    files = program(FILES, pages=())
    unused = {
        "components/unused/unused.json",
        "components/unused/unused.axml",
        "components/unused/unused.js",
        "templates/unused.axml",
        "utils/unused.js",
        "node_modules/antd-mini/package.json",
        "node_modules/antd-mini/es/Modal/index.json",
        "node_modules/antd-mini/es/Modal/index.axml",
        "node_modules/antd-mini/es/Modal/index.js",
        "pages/draft/draft.js",
        "pages/draft/draft.axml",
        "mini.js",
    }
    assert _loadable(files) == set(files) - unused


def test_an_app_without_app_js_loads_its_pages() -> None:
    files = program({"pages/index/index.json": _using(card="/components/card/card")})
    del files["app.js"]
    files["components/card/card.axml"] = b"<view/>\n"
    files["components/unused/unused.axml"] = b"<view/>\n"
    assert _loadable(files) == {
        "app.json",
        "pages/index/index.js",
        "pages/index/index.axml",
        "pages/index/index.json",
        "components/card/card.axml",
        "pages/detail/detail.js",
        "pages/detail/detail.axml",
    }


def test_a_computed_require_makes_every_script_loadable_but_not_every_template() -> None:
    files = program(
        {
            "pages/index/index.js": "const lang = my.getStorageSync({key: 'lang'}).data;\n"
            "const strings = require('../../lang/' + lang);\nPage({});\n",
            "lang/en.js": "module.exports = {};\n",
            "tools/build.js": "module.exports = {};\n",
            "templates/draft.axml": "<view/>\n",
        }
    )
    loadable = _loadable(files)
    assert {"lang/en.js", "tools/build.js"} <= loadable
    assert "templates/draft.axml" not in loadable


def test_component_paths_that_lead_nowhere_or_outside_load_nothing() -> None:
    files = program(
        {
            "pages/index/index.json": _using(
                a="../../../../outside/x", b="/missing/x", c="", d="plugin://p/x", e="./{{x}}"
            ),
            "pages/index/index.axml": '<import src="../../../../etc/x.axml"/><include src=""/>\n',
        }
    )
    assert _loadable(files) == set(files)


def test_thousands_of_chained_components_and_templates_are_walked_once() -> None:
    count = 1000
    chain: dict[str, str] = {
        "pages/index/index.json": _using(c="/components/c0/c"),
        "pages/index/index.axml": '<import src="/templates/t0.axml"/>\n',
    }
    for index in range(count):
        following = (index + 1) % count  # the last one closes the cycle
        chain[f"components/c{index}/c.json"] = _using(c=f"/components/c{following}/c")
        chain[f"components/c{index}/c.axml"] = "<view/>\n"
        chain[f"templates/t{index}.axml"] = f'<import src="./t{following}.axml"/>\n'
    files = program(chain)
    assert _loadable(files) == set(files)


# A draft page nobody routes to, with a canvas and an API the wallet lacks (the same page
# listed in app.json below is checked), beside a Node script with top-level await.
DRAFT = {
    "pages/draft/draft.js": """
        Page({
          onDraw() {
            const ctx = my.createCanvasContext('chart');
            my.request({ url: 'http://stats.example.net/draw' });
          },
        });
    """,
    "pages/draft/draft.axml": '<canvas id="chart"/>\n<navigator url="/pages/gone/gone"/>\n',
    "mini.js": """
        const http = require('http');
        const app = http.createServer((req, res) => res.end('ok'));
        await new Promise((done) => app.listen(3000, done));
    """,
}


def test_a_draft_page_and_a_node_script_give_nothing() -> None:
    result = check(program(DRAFT))
    assert [found.finding for found in findings(result)] == []


def test_the_same_page_in_app_json_gives_its_findings() -> None:
    files = program(
        {key: value for key, value in DRAFT.items() if key != "mini.js"},
        pages=("pages/index/index", "pages/draft/draft"),
    )
    result = check(files)
    found = {(f.finding.rule, f.finding.file, f.finding.line) for f in findings(result)}
    assert found == {
        (JSAPI_UNSUPPORTED, "pages/draft/draft.js", 3),
        (INSECURE_URL, "pages/draft/draft.js", 4),
        (COMPONENT_UNSUPPORTED, "pages/draft/draft.axml", 1),
        (PAGE_MISSING, "pages/draft/draft.axml", 2),
    }


# Components reached only through a page's usingComponents, each with something the lean
# wallet lacks; the same in a component nothing uses gives nothing.
COMPONENTS = {
    "pages/index/index.json": _using(
        card="./card/card",
        chart="/components/chart/chart",
        stepper="mini-ali-ui/es/stepper/index",
    ),
    "pages/index/index.axml": "<card/><chart/><stepper/>\n",
    "pages/index/card/card.json": json.dumps(COMPONENT),
    "pages/index/card/card.axml": '<web-view src="https://h5.shop.example/card"/>\n',
    "pages/index/card/card.js": "Component({});\n",
    "components/chart/chart.json": json.dumps(COMPONENT),
    "components/chart/chart.axml": "<view/>\n",
    "components/chart/chart.js": """
        Component({ didMount() { my.getLocation({ success() {} }); } });
    """,
    "node_modules/mini-ali-ui/package.json": '{"name": "mini-ali-ui"}\n',
    "node_modules/mini-ali-ui/es/stepper/index.json": json.dumps(COMPONENT),
    "node_modules/mini-ali-ui/es/stepper/index.axml": "<view/>\n",
    "node_modules/mini-ali-ui/es/stepper/index.js": """
        Component({ methods: { go() { my.request({ url: 'https://stats.example.net/s' }); } } });
    """,
    "node_modules/mini-ali-ui/es/picker/index.json": json.dumps(COMPONENT),
    "node_modules/mini-ali-ui/es/picker/index.axml": "<picker/>\n",
    "node_modules/mini-ali-ui/es/picker/index.js": "Component({ m() { my.scan(); } });\n",
    "components/unused/unused.json": json.dumps(COMPONENT),
    "components/unused/unused.axml": "<switch/>\n",
    "components/unused/unused.js": "Component({ m() { my.chooseCity(); } });\n",
}


def test_components_reached_through_using_components_are_checked() -> None:
    files = program(COMPONENTS)
    assert [(f.file, f.line) for f in static_findings(files, COMPONENT_UNSUPPORTED)] == [
        ("pages/index/card/card.axml", 1)
    ]
    assert [(f.file, f.line) for f in static_findings(files, JSAPI_UNSUPPORTED)] == [
        ("components/chart/chart.js", 1)
    ]
    assert [(f.file, f.line) for f in static_findings(files, DOMAIN_NOT_WHITELISTED)] == [
        ("node_modules/mini-ali-ui/es/stepper/index.js", 1)
    ]


def test_templates_imported_or_included_are_checked() -> None:
    files = program(
        {
            "pages/index/index.axml": '<import src="../../templates/list.axml"/>\n'
            '<include src="/templates/footer.axml"/>\n',
            "templates/list.axml": '<template name="list"><switch/></template>\n',
            "templates/footer.axml": '<image src="http://img.shop.example/logo.png"/>\n',
            "templates/draft.axml": '<image src="http://img.shop.example/draft.png"/><picker/>\n',
        }
    )
    assert [(f.file, f.line) for f in static_findings(files, COMPONENT_UNSUPPORTED)] == [
        ("templates/list.axml", 1)
    ]
    assert [(f.file, f.line) for f in static_findings(files, INSECURE_URL)] == [
        ("templates/footer.axml", 1)
    ]


def test_syntax_is_checked_only_where_a_script_loads() -> None:
    files = program(
        {
            "pages/index/index.js": "import { total } from '../../utils/sum';\nPage({});\n",
            "utils/sum.js": "export const total = (items) => items?.length;\n",
            "utils/draft.js": "export const first = (items) => items?.[0];\n",
        }
    )
    result = check(files, profile=shipped_profile("super_app"), partner_app="super")
    assert {(f.finding.rule, f.finding.file) for f in findings(result)} == {
        (SYNTAX_UNSUPPORTED, "utils/sum.js")
    }
