"""Each main page in Chromium, for the people who see it: it loads with its heading, fits
the window's width (1280 px), with no JavaScript error and no missing asset (the ``tabs``
fixture's check); and what keeps people out: an expired session, another workspace, a
request without its CSRF token, the sign-in throttle."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import update

from minirelease.accounts.models import ConsoleSession, User
from tests.web.browser.chromium import Tabs, fits, sign_in
from tests.web.browser.live import LiveConsole
from tests.web.browser.world import DemoApi


def test_every_main_page_loads_for_who_sees_it(tabs: Tabs, live_console: LiveConsole) -> None:
    people = live_console.people
    api = DemoApi(live_console)
    try:
        in_review = api.start("1.0.0", "lite")
        api.in_review(in_review)
    finally:
        api.close()
    program = f"/mini-programs/{people.mini_program_id}"
    workspace = f"/workspaces/{people.workspace_id}"
    pages: dict[str, list[tuple[str, str]]] = {
        "owner": [
            ("/", "Home"),
            (workspace, "Demo Coffee Co."),
            (f"{workspace}/members", "Demo Coffee Co."),
            (f"{workspace}/audit", "Demo Coffee Co."),
            (program, "Coffee Order"),
            (f"{program}/versions", "Versions of Coffee Order"),
            (f"{program}/partner-apps/lite", "Coffee Order on Lite Wallet"),
            (f"/releases/{in_review}", "Coffee Order 1.0.0 to Lite Wallet"),
            ("/partner-apps", "Partner apps"),
        ],
        "platform-reviewer": [
            ("/reviews", "Reviews"),
            (f"/reviews/{in_review}", "Review: Coffee Order 1.0.0 for Lite Wallet"),
        ],
        "admin": [
            ("/platform", "Platform"),
            ("/partner-apps/lite", "Lite Wallet lite"),
            ("/partner-apps/new", "Create partner app"),
        ],
        "lite-reviewer": [
            ("/", "Home"),
            ("/reviews?queue=lite", "Reviews"),
            (f"/reviews/{in_review}", "Review: Coffee Order 1.0.0 for Lite Wallet"),
            (f"{program}/partner-apps/lite", "Coffee Order on Lite Wallet"),
        ],
    }
    for name, visits in pages.items():
        tab = tabs.signed_in(name)
        for path, heading in visits:
            response = tab.goto(path)
            assert response is not None and response.status == 200, (name, path)
            expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
            assert fits(tab), f"{path} is wider than the window for {name}"
    # The home page counts what waits in the reviewer's queue: the release.
    tab.goto("/")
    expect(tab.locator("#queues-h + ul .tile")).to_have_text(re.compile(r"^\s*1\s+Lite Wallet"))


def test_an_expired_session_goes_back_to_sign_in(page: Any, live_console: LiveConsole) -> None:
    sign_in(page, live_console, "owner")
    workspace = f"/workspaces/{live_console.people.workspace_id}"
    page.goto(workspace)
    expect(page.get_by_role("heading", name="Demo Coffee Co.")).to_be_visible()
    with live_console.session_factory() as session, session.begin():
        owner = session.query(User).filter_by(email=live_console.email("owner")).one()
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(
            update(ConsoleSession).where(ConsoleSession.user_id == owner.id).values(expires_at=past)
        )
    page.reload()
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(live_console.email("owner"))
    page.get_by_label("Password").fill(live_console.password("owner"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{workspace}")  # back where they were


def test_another_workspace_is_not_found(page: Any, live_console: LiveConsole) -> None:
    api = DemoApi(live_console)
    try:
        other = api.call("POST", "/workspaces", "master", json={"name": "Other Tea Co."})["id"]
    finally:
        api.close()
    sign_in(page, live_console, "developer")
    for path in (f"/workspaces/{other}", f"/workspaces/{other}/audit"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.locator(".error-box")).to_contain_text("Not found")
    # Nor may a page's script act without its CSRF token.
    refused = page.evaluate(
        "fetch('/workspaces', {method: 'POST', body: new URLSearchParams({name: 'X'})})"
        ".then(r => r.status)"
    )
    assert refused == 403


def test_sign_in_throttling_shows_its_message(page: Any, live_console: LiveConsole) -> None:
    email = live_console.email("owner")
    page.goto("/login")
    for _ in range(5):
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert").filter(has_text="wrong")).to_be_visible()
    page.get_by_label("Password").fill(live_console.password("owner"))  # right, too late
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.get_by_role("button", name="Sign in").click()
    assert answered.value.status == 429
    assert int(answered.value.headers["retry-after"]) > 0
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins. Try again in")
    assert page.url.endswith("/login")
