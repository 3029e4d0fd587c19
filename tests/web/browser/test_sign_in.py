"""Signing in and out in a real browser."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import LiveConsole, sign_in


def test_sign_in_shows_home_and_sign_out_returns_to_sign_in(
    page: Any, live_console: LiveConsole
) -> None:
    page.goto("/")
    assert page.url.endswith("/login")
    sign_in(page, live_console, "owner")
    assert page.get_by_role("heading", name="Home").is_visible()
    assert page.get_by_role("link", name="Demo Coffee Co.").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/")
    assert page.url.endswith("/login")


def test_a_wrong_password_says_so(page: Any, live_console: LiveConsole) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(live_console.email("owner"))
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").filter(has_text="wrong").is_visible()


def test_sign_in_by_keyboard_only(page: Any, live_console: LiveConsole) -> None:
    page.goto("/login")
    page.keyboard.type(live_console.email("developer"))  # the email field has focus
    page.keyboard.press("Tab")
    page.keyboard.type(live_console.password("developer"))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    assert page.get_by_role("heading", name="Home").is_visible()
