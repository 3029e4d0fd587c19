"""The smoke test's host is as thick as a device: normal code runs clean on it, server data
is unknown rather than empty, a program's own my.* properties are its own, guards work, and
an unguarded call of an API the partner app lacks is reported at its call, never as a
runtime exception."""

from __future__ import annotations

import json
from importlib import resources
from typing import Final

from minirelease.compat.runtime import Network
from minirelease.compat.runtime.results import EngineRun
from minirelease.compat.runtime.scripts import scripts_of
from minirelease.partners.defaults import SHIPPED_PROFILES
from tests.compat.runtime.host_programs import (
    CARD_COMPONENT,
    INSTANCE_PAGE,
    OWN_AND_GUARDS_APP,
    QUERY_PAGE,
    SERVER_PAGE,
    SYSTEM_PAGE,
    UNGUARDED_PAGE,
    line_of,
)
from tests.compat.runtime.programs import EMPTY_APP, JSAPIS, OFFLINE, WIFI, smoke, where
from tests.engines import SHARED_ENGINE

TABLE: Final = json.loads(
    resources.files("minirelease.compat.runtime").joinpath("jsapi_table.json").read_text("utf-8")
)
EVERY_JSAPI: Final = frozenset(TABLE)
DEVICE_PAGES: Final = ("pages/system/system", "pages/query/query", "pages/instance/instance")
DEVICE: Final = {
    "pages/system/system.js": SYSTEM_PAGE,
    "pages/query/query.js": QUERY_PAGE,
    "pages/instance/instance.js": INSTANCE_PAGE,
    "components/card/card.js": CARD_COMPONENT,
    "pages/server/server.js": SERVER_PAGE,
}
PAGES: Final = (*DEVICE_PAGES, "pages/server/server")
GUARDED: Final = {"app.js": OWN_AND_GUARDS_APP, "pages/unguarded/unguarded.js": UNGUARDED_PAGE}


def test_device_idioms_and_server_data_run_clean_online() -> None:
    assert smoke(DEVICE, pages=PAGES, jsapis=EVERY_JSAPI) == []


def test_offline_only_the_crash_in_the_fail_callback_is_found() -> None:
    findings = smoke(DEVICE, pages=PAGES, jsapis=EVERY_JSAPI, network=OFFLINE)
    line = line_of(SERVER_PAGE, "// offline crash")
    assert where(findings) == [("offline-crash", "pages/server/server.js", line)]
    assert "feed failed: network error" in findings[0].message


def test_guards_and_own_properties_are_clean_and_unguarded_calls_found_at_their_lines() -> None:
    findings = smoke(GUARDED, pages=("pages/unguarded/unguarded",))
    page = "pages/unguarded/unguarded.js"
    expected = _unguarded_lines()
    assert sorted(where(findings)) == sorted(
        ("jsapi-unsupported", page, line) for line in expected.values()
    )
    for api, line in expected.items():
        (finding,) = [f for f in findings if f.line == line]
        assert api in finding.message


def test_the_run_records_reads_calls_urls_and_answers() -> None:
    run = _run(GUARDED, pages=("pages/unguarded/unguarded",))
    page = "pages/unguarded/unguarded.js"
    unsupported = {(c.api, c.file, c.line) for c in run.calls if c.unsupported}
    assert unsupported == {(api, page, line) for api, line in _unguarded_lines().items()}
    assert all(c.column is not None for c in run.calls if c.unsupported)
    requests = [(c.url, c.file, c.line) for c in run.calls if c.api == "my.request"]
    assert requests == [
        ("https://api.shop.example/list?page=1", page, line_of(UNGUARDED_PAGE, "list?page=1")),
        ("https://api.shop.example/ready", page, line_of(UNGUARDED_PAGE, "/ready")),
    ]
    assert run.answered == 2
    # The program's own my.fncontext, my.tracker and my.shop are not host APIs.
    assert run.touched == (
        "my.ap",
        "my.ap.navigateToAlipayPage",
        "my.canIUse",
        "my.getAuthCode",
        "my.getOpenUserInfo",
        "my.request",
        "my.scan",
    )


def test_a_run_cut_off_by_its_budget_still_reports_what_happened_before() -> None:
    app = (
        "App({ onLaunch() {\n"
        "  my.request({ url: 'https://api.shop.example/boot', success: () => { for (;;) {} } });\n"
        "} });\n"
    )
    run = _run({"app.js": app}, pages=(), step_budget_ms=400)
    assert run.aborted == "timeout"
    assert [(c.api, c.url, c.line) for c in run.calls] == [
        ("my.request", "https://api.shop.example/boot", 2)
    ]
    assert (run.touched, run.answered) == (("my.request",), 1)


def test_every_shipped_jsapi_has_a_documented_kind_and_result() -> None:
    shipped = {api for profile in SHIPPED_PROFILES.values() for api in profile["jsapis"]}
    assert shipped <= EVERY_JSAPI, sorted(shipped - EVERY_JSAPI)
    kinds = {"async", "sync", "event", "factory", "network", "value"}
    assert {entry["kind"] for entry in TABLE.values()} == kinds
    for name, entry in TABLE.items():
        assert name.startswith("my."), name
        if entry["kind"] == "async":
            assert "success" in entry or "handler" in entry, name
        if entry["kind"] == "network":
            assert entry["bytes"] > 0 and "success" in entry, name


def _run(
    scripts: dict[str, str], *, pages: tuple[str, ...], step_budget_ms: int = 3000
) -> EngineRun:
    files = {"app.js": EMPTY_APP.encode()} | {p: s.encode() for p, s in scripts.items()}
    return SHARED_ENGINE.run(
        scripts_of(files),
        pages=pages,
        jsapis=JSAPIS,
        network=Network.from_profile(WIFI),
        time_budget_ms=3000,
        step_budget_ms=step_budget_ms,
    )


def _unguarded_lines() -> dict[str, int]:
    return {
        "my.scan": line_of(UNGUARDED_PAGE, "// unguarded my.scan"),
        "my.ap.navigateToAlipayPage": line_of(UNGUARDED_PAGE, "unguarded my.ap.") + 1,
        "my.getOpenUserInfo": line_of(UNGUARDED_PAGE, "// unguarded my.getOpenUserInfo"),
        "my.getAuthCode": line_of(UNGUARDED_PAGE, "// unguarded my.getAuthCode"),
    }


def test_my_env_and_the_sdk_version_are_there_whatever_the_partner_app_offers() -> None:
    page = (
        "const { language, USER_DATA_PATH } = my.env;\n"
        "Page({\n"
        "  onLoad() {\n"
        "    this.setData({ zh: language.startsWith('zh'), dir: USER_DATA_PATH + '/cache',\n"
        "                   sdk: my.SDKVersion.split('.') });\n"
        "  },\n"
        "});\n"
    )
    assert smoke({"pages/index/index.js": page}, jsapis=JSAPIS) == []
