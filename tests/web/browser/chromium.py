"""Chromium for the console: found by its path (Debian's package), launched without the
sandbox, and tabs that watch for what a user would see go wrong. Shared by the browser
tests (conftest.py) and tools/console_screenshots.py."""

from __future__ import annotations

import shutil
from typing import Any

from tests.web.browser.live import LiveConsole

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
LAUNCH_ARGS = ("--no-sandbox",)
ASSET_TYPES = frozenset({"script", "stylesheet", "image", "font"})


def chromium_path() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def launch(playwright: Any, path: str) -> Any:
    return playwright.chromium.launch(executable_path=path, args=list(LAUNCH_ARGS))


class Tabs:
    """Browser contexts, one per person (each with its own cookies), every tab watched:
    uncaught exceptions, console errors and missing assets are collected in
    ``live.js_errors``, and confirmation dialogs (``data-confirm``) are accepted, as a user
    clicking OK would."""

    def __init__(self, browser: Any, live: LiveConsole) -> None:
        self.browser = browser
        self.live = live
        self.contexts: list[Any] = []

    def open(self, *, width: int = 1280) -> Any:
        context = self.browser.new_context(
            base_url=self.live.url, viewport={"width": width, "height": 900}
        )
        self.contexts.append(context)
        tab = context.new_page()
        watch(tab, self.live.js_errors)
        return tab

    def signed_in(self, name: str) -> Any:
        tab = self.open()
        sign_in(tab, self.live, name)
        return tab

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


def watch(tab: Any, errors: list[str]) -> None:
    """Collect the tab's script errors and missing assets in ``errors``; accept dialogs."""
    tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    tab.on("console", lambda message: _console_error(errors, message))
    tab.on("response", lambda response: _asset_error(errors, response))
    tab.on("dialog", lambda dialog: dialog.accept())


def _console_error(errors: list[str], message: Any) -> None:
    # Chromium logs every 4xx page as "Failed to load resource"; a page answering 401 or
    # 409 on purpose is not a script error (a missing asset is caught by _asset_error).
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(f"console: {message.text}")


def _asset_error(errors: list[str], response: Any) -> None:
    if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
        errors.append(f"asset {response.url}: {response.status}")


def fits(tab: Any) -> bool:
    """The page needs no horizontal scrolling at the tab's width."""
    return bool(tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def sign_in(page: Any, live: LiveConsole, name: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(live.email(name))
    page.get_by_label("Password").fill(live.password(name))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))
