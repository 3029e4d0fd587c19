"""Browser tests: Debian's Chromium driven by Playwright for Python, against the console
served by uvicorn on a thread, on a real database with jobs running.

Chromium is launched by its path with ``--no-sandbox`` (``playwright install`` cannot
download browsers here; ``.ci/run`` installs Debian's package). Without it the browser
tests are skipped locally and fail on CI, like the PostgreSQL half of the suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engines import SHARED_LAB
from tests.web.browser.chromium import Tabs, chromium_path, launch, sign_in
from tests.web.browser.live import LiveConsole, serving_demo

# What the tests import from here.
__all__ = ["LiveConsole", "Tabs", "sign_in"]


def _browser_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("MINIRELEASE_TEST_BROWSER") == "1"


# Per module, not per session: while Playwright's sync API is open it keeps an event loop
# running on this thread, and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if _browser_required():
            pytest.fail("Chromium is not installed (apt-get install chromium); CI requires it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright, path)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_console(empty_database_url: str, tmp_path: Path) -> Iterator[LiveConsole]:
    with serving_demo(empty_database_url, tmp_path / "data", lab=SHARED_LAB) as live:
        yield live


@pytest.fixture
def tabs(browser: Any, live_console: LiveConsole) -> Iterator[Tabs]:
    """Tabs for several people; the test fails on any JavaScript error in them."""
    opened = Tabs(browser, live_console)
    try:
        yield opened
    finally:
        opened.close()
    assert live_console.js_errors == [], "JavaScript errors on the console's pages"


@pytest.fixture
def page(tabs: Tabs) -> Any:
    """A fresh browser context (its own cookies) whose JavaScript errors fail the test."""
    return tabs.open()
