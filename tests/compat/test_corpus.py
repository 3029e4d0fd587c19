"""The planted-fault corpus (issue 4, "done when"): mini programs that each carry one fault,
two or more for every rule id of design §5, run through the whole compatibility step (the
static rules and the runtime smoke test over the wallet's default matrix: 12 OS versions x
5 networks x 3 devices). Each must be found with the right rule, file, line and cells, and
nothing else may fail; the clean programs of test_clean_programs.py are the other half."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from minirelease.compat.model import RUNTIME_RULE_IDS
from minirelease.compat.package import BuiltPackage
from minirelease.compat.profiles import LANGUAGE_LEVELS, default_profiles
from minirelease.compat.run import ALL_STATIC_RULES, run_compatibility
from minirelease.compat.runtime import runtime_rules
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.images import jpeg, noise, png
from tests.compat.programs import H5_DOMAINS, SERVER_DOMAINS, program
from tests.engines import SHARED_ENGINE

Cell = Mapping[str, Any]
EVERY_CELL: Callable[[Cell], bool] = lambda cell: True  # noqa: E731
OS_LEVELS = {name: profile.language_level for name, profile in default_profiles().os.items()}


def below(level: str) -> Callable[[Cell], bool]:
    """Cells whose OS runs a JavaScript older than ``level``."""

    def older(cell: Cell) -> bool:
        os_level = OS_LEVELS[f"{cell['platform']}-{cell['os_version']}"]
        return LANGUAGE_LEVELS.index(os_level) < LANGUAGE_LEVELS.index(level)

    return older


def on(dimension: str, *values: str) -> Callable[[Cell], bool]:
    return lambda cell: cell[dimension] in values


@dataclass(frozen=True)
class Planted:
    name: str
    files: dict[str, bytes]
    rule: str
    file: str | None
    line: int | None
    cells: Callable[[Cell], bool] = EVERY_CELL
    # Findings the fault brings with it by nature (a 3 MB package is also slow to download).
    also: frozenset[str] = field(default_factory=frozenset)


def page(body: str, path: str = "pages/index/index.js") -> dict[str, bytes]:
    """A program whose page ``path`` runs ``body`` in onLoad, from line 3."""
    return program({path: "Page({\n  onLoad(query) {\n" + body + "  },\n});\n"})


def app(body: str) -> dict[str, bytes]:
    """A program whose app.js runs ``body`` in onLaunch, from line 3."""
    return program({"app.js": "App({\n  onLaunch() {\n" + body + "  },\n});\n"})


def with_files(files: dict[str, bytes], extra: dict[str, bytes]) -> dict[str, bytes]:
    return files | extra


# A page showing whichever floor's map: every image of the folder may be decoded.
MAP_PAGE = '<image src="/assets/map{{floor}}.png"/>\n'

CORPUS = [
    # jsapi-unsupported: a call the parser sees, and one only the engine sees.
    Planted(
        "unsupported-call",
        page("    my.getBatteryInfo({ success() {} });\n"),
        "jsapi-unsupported",
        "pages/index/index.js",
        3,
    ),
    Planted(
        "unsupported-computed-call",
        app("    const api = ['choose', 'City'].join('');\n    my[api]({});\n"),
        "jsapi-unsupported",
        "app.js",
        4,
    ),
    # component-unsupported
    Planted(
        "video-element",
        program({"pages/index/index.axml": "<view>\n  <video src='a.mp4'/>\n</view>\n"}),
        "component-unsupported",
        "pages/index/index.axml",
        2,
    ),
    Planted(
        "map-element",
        program({"pages/detail/detail.axml": "<map longitude='1' latitude='2'></map>\n"}),
        "component-unsupported",
        "pages/detail/detail.axml",
        1,
    ),
    # syntax-unsupported: cells whose engine is older than the feature.
    Planted(
        "optional-chaining",
        page("    const id = query?.id;\n"),
        "syntax-unsupported",
        "pages/index/index.js",
        3,
        below("ES2020"),
    ),
    Planted(
        "class-field",
        program(
            {
                "utils/cart.js": "class Cart {\n  items = [];\n}\nmodule.exports = Cart;\n",
                "pages/index/index.js": "const Cart = require('../../utils/cart');\nPage({});\n",
            }
        ),
        "syntax-unsupported",
        "utils/cart.js",
        2,
        below("ES2022"),
    ),
    # runtime-exception: on every network, so not an offline crash.
    Planted(
        "null-in-on-launch",
        app("    const user = null;\n    user.start();\n"),
        "runtime-exception",
        "app.js",
        4,
    ),
    Planted(
        "undefined-in-a-required-module",
        program(
            {
                "utils/format.js": "exports.price = (item) => item.price.toFixed(2);\n",
                "pages/detail/detail.js": "const format = require('../../utils/format');\n"
                "Page({\n  onReady() {\n    format.price({});\n  },\n});\n",
            }
        ),
        "runtime-exception",
        "utils/format.js",
        1,
    ),
    # unhandled-rejection
    Planted(
        "rejected-promise",
        page("    Promise.reject(new Error('not loaded'));\n"),
        "unhandled-rejection",
        "pages/index/index.js",
        3,
    ),
    Planted(
        "async-without-await",
        program(
            {
                "app.js": "async function warmUp() {\n  await null;\n"
                "  throw new Error('cache cold');\n}\n"
                "App({\n  onShow() {\n    warmUp();\n  },\n});\n"
            }
        ),
        "unhandled-rejection",
        "app.js",
        3,
    ),
    # startup-timeout: endless work is cut off at the cell's time budget, at the loop.
    Planted("endless-loop", app("    while (true) {}\n"), "startup-timeout", "app.js", 3),
    Planted(
        "endless-timers",
        page("    const spin = () => setTimeout(spin, 0);\n    spin();\n"),
        "startup-timeout",
        "pages/index/index.js",
        None,
    ),
    # offline-crash: only the offline cells.
    Planted(
        "throw-in-fail-callback",
        page(
            "    my.request({\n      url: 'https://api.shop.example/items',\n"
            "      success() {},\n"
            "      fail: (error) => { throw new Error(error.errorMessage); },\n"
            "    });\n"
        ),
        "offline-crash",
        "pages/index/index.js",
        6,
        on("network", "offline"),
    ),
    Planted(
        "awaited-request",
        program(
            {
                "app.js": "App({\n  async onLaunch() {\n"
                "    const res = await my.request({ url: 'https://api.shop.example/me' });\n"
                "    this.user = res.data;\n  },\n});\n"
            }
        ),
        "offline-crash",
        "app.js",
        2,
        on("network", "offline"),
    ),
    # domain-not-whitelisted and insecure-url
    Planted(
        "request-to-another-host",
        page("    my.request({ url: 'https://api.other.example/x', success() {} });\n"),
        "domain-not-whitelisted",
        "pages/index/index.js",
        3,
    ),
    Planted(
        "web-view-off-the-h5-list",
        program({"pages/detail/detail.axml": "<web-view src='https://h5.other.example/'/>\n"}),
        "domain-not-whitelisted",
        "pages/detail/detail.axml",
        1,
    ),
    Planted(
        "request-over-http",
        page("    my.request({ url: 'http://api.shop.example/x', success() {} });\n"),
        "insecure-url",
        "pages/index/index.js",
        3,
    ),
    Planted(
        "socket-over-ws",
        page("    my.connectSocket({ url: 'ws://api.shop.example/feed' });\n"),
        "insecure-url",
        "pages/index/index.js",
        3,
    ),
    # package-too-large: the main package over 2 MiB, a subpackage over 2 MiB.
    Planted(
        "main-package-over-its-limit",
        with_files(program({}), {"assets/video.bin": noise(2200 * 1024, "main")}),
        "package-too-large",
        None,
        None,
        also=frozenset({"slow-first-download"}),
    ),
    Planted(
        "subpackage-over-its-limit",
        with_files(
            program({}, subpackages={"shop": ["pages/item/item"]}),
            {"shop/assets/catalog.bin": noise(2200 * 1024, "sub")},
        ),
        "package-too-large",
        None,
        None,
    ),
    # slow-first-download: fails on 2g (and warns on 3g, a finding of its own).
    Planted(
        "big-asset-in-the-main-package",
        with_files(program({}), {"assets/data.bin": noise(300 * 1024, "asset")}),
        "slow-first-download",
        None,
        None,
        on("network", "2g", "3g"),
    ),
    Planted(
        "big-script-in-the-main-package",
        program({"utils/table.js": "module.exports = '" + noise(240 * 1024, "js").hex() + "';\n"}),
        "slow-first-download",
        None,
        None,
        on("network", "2g", "3g"),
    ),
    # image-too-large: too wide to display, or too heavy to download.
    Planted(
        "wide-banner",
        with_files(
            program({"pages/index/index.axml": '<image src="/assets/banner.png"/>\n'}),
            {"assets/banner.png": png(5000, 300)},
        ),
        "image-too-large",
        "assets/banner.png",
        None,
    ),
    Planted(
        "heavy-photo-in-a-subpackage",
        with_files(
            program({}, subpackages={"shop": ["pages/item/item"]}),
            {"shop/hero.jpg": jpeg(1200, 800, padding=600 * 1024)},
        ),
        "image-too-large",
        "shop/hero.jpg",
        None,
    ),
    # memory-risk: decoded images against each device's mini program memory.
    Planted(
        "two-4000px-maps",
        with_files(
            program({"pages/index/index.axml": MAP_PAGE}),
            {f"assets/map{i}.png": png(4000, 4000) for i in range(2)},
        ),
        "memory-risk",
        None,
        None,
        on("device", "low"),
    ),
    Planted(
        "five-4000px-maps",
        with_files(
            program({"pages/index/index.axml": MAP_PAGE}),
            {f"assets/map{i}.png": png(4000, 4000) for i in range(5)},
        ),
        "memory-risk",
        None,
        None,
        EVERY_CELL,
    ),
    # page-missing
    Planted(
        "navigate-to-nowhere",
        page("    my.navigateTo({ url: '/pages/nowhere/nowhere' });\n"),
        "page-missing",
        "pages/index/index.js",
        3,
    ),
    Planted(
        "navigator-to-nowhere",
        program(
            {"pages/detail/detail.axml": "<view>\n  <navigator url='/pages/gone/gone'/>\n</view>\n"}
        ),
        "page-missing",
        "pages/detail/detail.axml",
        2,
    ),
]
DESIGN_RULE_IDS = {
    "jsapi-unsupported",
    "component-unsupported",
    "syntax-unsupported",
    "runtime-exception",
    "unhandled-rejection",
    "startup-timeout",
    "offline-crash",
    "domain-not-whitelisted",
    "insecure-url",
    "package-too-large",
    "slow-first-download",
    "image-too-large",
    "memory-risk",
    "page-missing",
}


def test_the_corpus_plants_at_least_two_faults_of_every_rule_of_the_design() -> None:
    planted = [entry.rule for entry in CORPUS]
    assert set(planted) == DESIGN_RULE_IDS
    assert all(planted.count(rule) >= 2 for rule in DESIGN_RULE_IDS)
    assert set(RUNTIME_RULE_IDS) <= DESIGN_RULE_IDS
    assert len({entry.name for entry in CORPUS}) == len(CORPUS)


def _run(files: dict[str, bytes]) -> dict[str, Any]:
    result = run_compatibility(
        BuiltPackage.from_files(files),
        run_id="run_corpus",
        package_sha256="0" * 64,
        partner_app="wallet",
        profile=shipped_profile("wallet"),
        limits=DEFAULT_PACKAGE_LIMITS,
        server_domains=SERVER_DOMAINS,
        h5_domains=H5_DOMAINS,
        # A short budget keeps the endless programs quick; the real default is 1 s a step.
        rules=(*ALL_STATIC_RULES, *runtime_rules(SHARED_ENGINE, step_budget_ms=300)),
    )
    return result.report


@pytest.mark.parametrize("planted", CORPUS, ids=[entry.name for entry in CORPUS])
def test_a_planted_fault_is_found_at_its_place_in_its_cells(planted: Planted) -> None:
    report = _run(planted.files)
    found = [finding for finding in report["findings"] if finding["rule"] == planted.rule]
    assert found, report["findings"]
    assert {(finding["file"], finding["line"]) for finding in found} == {
        (planted.file, planted.line)
    }, found
    expected = [cell["id"] for cell in report["cells"] if planted.cells(cell)]
    covered = {cell for finding in found for cell in finding["cells"]}
    assert [cell["id"] for cell in report["cells"] if cell["id"] in covered] == expected
    others = {finding["rule"] for finding in report["findings"]} - {planted.rule}
    assert others <= planted.also, [f for f in report["findings"] if f["rule"] in others]
