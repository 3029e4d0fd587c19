"""The lab's one module resolver: package files, then npm packages as a mini program's
build finds them."""

from __future__ import annotations

import json

from minirelease.compat.modules import resolve

FILES = {
    "app.js": b"",
    "utils/util.js": b"",
    "utils/util/index.js": b"",  # the file wins over the folder
    "utils/format/index.js": b"",
    "config/index.json": b"{}",
    "config/env.json": b"{}",
    "pages/index/index.js": b"",
    # npm: main, a miniprogram build folder, a scoped package, the WeChat-style folder.
    "node_modules/dayjs/package.json": json.dumps({"main": "dayjs.min.js"}).encode(),
    "node_modules/dayjs/dayjs.min.js": b"",
    "node_modules/dayjs/locale/zh-cn.js": b"",
    "node_modules/antd-mini/package.json": json.dumps(
        {"main": "lib/index.js", "miniprogram": "es"}
    ).encode(),
    "node_modules/antd-mini/lib/index.js": b"",
    "node_modules/antd-mini/es/index.js": b"",
    "node_modules/antd-mini/es/Button/index.js": b"",
    "node_modules/@alipay/ui/package.json": json.dumps({"main": "./dist/ui"}).encode(),
    "node_modules/@alipay/ui/dist/ui.js": b"",
    "miniprogram_npm/mobx/index.js": b"",
    "pages/shop/node_modules/local/index.js": b"",
    "node_modules/broken/package.json": b"{not json",
    "node_modules/broken/index.js": b"",
}


def test_relative_and_root_absolute_paths_try_the_file_then_js_json_and_index() -> None:
    page = "pages/index/index.js"
    assert resolve(FILES, page, "../../utils/util") == "utils/util.js"
    assert resolve(FILES, page, "/utils/util.js") == "utils/util.js"
    assert resolve(FILES, page, "/utils/format") == "utils/format/index.js"
    assert resolve(FILES, page, "../../config") == "config/index.json"
    assert resolve(FILES, page, "/config/env") == "config/env.json"
    assert resolve(FILES, "app.js", "./pages/index/index") == "pages/index/index.js"


def test_missing_files_and_paths_outside_the_package_lead_nowhere() -> None:
    assert resolve(FILES, "app.js", "./utils/nope") is None
    assert resolve(FILES, "app.js", "../etc/passwd") is None
    assert resolve(FILES, "pages/index/index.js", "../../../x") is None
    assert resolve(FILES, "app.js", "left-pad") is None
    assert resolve(FILES, "app.js", "@alipay") is None


def test_npm_packages_enter_through_miniprogram_then_main_then_index() -> None:
    page = "pages/index/index.js"
    assert resolve(FILES, page, "dayjs") == "node_modules/dayjs/dayjs.min.js"
    assert resolve(FILES, page, "antd-mini") == "node_modules/antd-mini/es/index.js"
    assert resolve(FILES, page, "@alipay/ui") == "node_modules/@alipay/ui/dist/ui.js"
    assert resolve(FILES, page, "mobx") == "miniprogram_npm/mobx/index.js"
    assert resolve(FILES, page, "broken") == "node_modules/broken/index.js"


def test_a_path_inside_a_package_is_looked_for_in_it_then_in_its_miniprogram_folder() -> None:
    assert resolve(FILES, "app.js", "dayjs/locale/zh-cn") == "node_modules/dayjs/locale/zh-cn.js"
    assert (
        resolve(FILES, "app.js", "antd-mini/Button") == "node_modules/antd-mini/es/Button/index.js"
    )
    assert resolve(FILES, "app.js", "dayjs/../../x") is None


def test_the_nearest_node_modules_folder_up_from_the_requiring_file_wins() -> None:
    assert resolve(FILES, "pages/shop/cart.js", "local") == "pages/shop/node_modules/local/index.js"
    assert resolve(FILES, "pages/index/index.js", "local") is None


def test_each_files_mapping_is_resolved_on_its_own() -> None:
    # The index of folders is kept per mapping: another package is not answered from it.
    other = {"node_modules/dayjs/index.js": b"", "app.js": b""}
    assert resolve(other, "app.js", "dayjs") == "node_modules/dayjs/index.js"
    assert resolve(FILES, "app.js", "dayjs") == "node_modules/dayjs/dayjs.min.js"
    assert resolve({"app.js": b""}, "app.js", "dayjs") is None
