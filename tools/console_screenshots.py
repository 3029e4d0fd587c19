"""Screenshots of the web console's main pages, for the README.

    .venv/bin/python tools/console_screenshots.py [--out docs/screenshots]

Seeds ``minirelease demo``'s world in a temporary directory, serves it on a thread with
its jobs running, arranges the release process over the API (Coffee Order 1.0.0 online on
SuperApp and 1.1.0 in grayscale there; 1.1.0 in review for Pocket Wallet; 1.2.0, which
calls a JSAPI Lite Wallet lacks, tested for Lite Wallet), then saves a full-page PNG of
each main page, 1280 px wide, as the person who would look at it. Needs Chromium
(``apt-get install chromium``) and the dev extras (Playwright)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the browser tests' helpers: tests/web/browser/

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.web.browser.chromium import Tabs, chromium_path, fits, launch  # noqa: E402
from tests.web.browser.live import LiveConsole, serving_demo  # noqa: E402
from tests.web.browser.world import DemoApi, coffee_zip  # noqa: E402

WIDTH = 1280


@dataclass(frozen=True)
class World:
    """The releases the pages show."""

    grayscale: str  # 1.1.0 on SuperApp, at 5 %
    in_review: str  # 1.1.0 for Pocket Wallet
    tested: str  # 1.2.0 for Lite Wallet: a failing report


def arrange(live: LiveConsole) -> World:
    api = DemoApi(live)
    try:
        api.online("1.0.0", "superapp")
        api.upload("1.1.0", coffee_zip("1.1.0"))
        grayscale = api.start("1.1.0", "superapp")
        api.approved(grayscale, "superapp")
        api.grayscale(grayscale, 1, 5)
        in_review = api.start("1.1.0", "wallet")
        api.in_review(in_review)
        api.upload("1.2.0", coffee_zip("1.2.0", scans=True))
        tested = api.start("1.2.0", "lite")
        api.tested(tested)
        # The owner's home lists an invitation to another workspace too.
        tea = api.call("POST", "/workspaces", "master", json={"name": "Demo Tea House"})
        invite = {"email": live.email("owner"), "role": "master"}
        api.call("POST", f"/workspaces/{tea['id']}/invitations", "master", json=invite)
        return World(grayscale, in_review, tested)
    finally:
        api.close()


@dataclass(frozen=True)
class Shot:
    name: str  # the file: docs/screenshots/<name>.png
    who: str | None  # the demo user looking, None for nobody signed in
    path: Callable[[LiveConsole, World], str]
    heading: str  # the page's <h1>, checked before the picture is taken


def _program(live: LiveConsole) -> str:
    return f"/mini-programs/{live.people.mini_program_id}"


SHOTS = (
    Shot("sign-in", None, lambda live, w: "/login", "Sign in"),
    Shot("home", "owner", lambda live, w: "/", "Home"),
    Shot(
        "workspace",
        "owner",
        lambda live, w: f"/workspaces/{live.people.workspace_id}",
        "Demo Coffee Co.",
    ),
    Shot("mini-program", "developer", lambda live, w: _program(live), "Coffee Order"),
    Shot("release-report", "developer", lambda live, w: f"/releases/{w.tested}", "Coffee Order"),
    Shot(
        "release-grayscale", "developer", lambda live, w: f"/releases/{w.grayscale}", "Coffee Order"
    ),
    Shot("review-queue", "platform-reviewer", lambda live, w: "/reviews", "Reviews"),
    Shot("review-sheet", "wallet-reviewer", lambda live, w: f"/reviews/{w.in_review}", "Review"),
    Shot(
        "listing-qr-code",
        "owner",
        lambda live, w: (
            f"{_program(live)}/partner-apps/superapp"
            "?kind=promo&page=pages/menu/menu&query=from%3Dposter&format=png#qr"
        ),
        "Coffee Order on SuperApp",
    ),
    Shot("partner-app", "admin", lambda live, w: "/partner-apps/lite", "Lite Wallet"),
)


def shoot(tabs: Tabs, live: LiveConsole, world: World, out: Path) -> list[Path]:
    signed_in: dict[str | None, Any] = {}
    saved = []
    for shot in SHOTS:
        if shot.who not in signed_in:
            signed_in[shot.who] = tabs.signed_in(shot.who) if shot.who else tabs.open()
        tab = signed_in[shot.who]
        response = tab.goto(shot.path(live, world))
        assert response is not None and response.ok, f"{shot.name}: {response}"
        heading = tab.get_by_role("heading", level=1).inner_text()
        assert shot.heading in heading, f"{shot.name}: the page says {heading!r}"
        assert fits(tab), f"{shot.name}: wider than {WIDTH} px"
        target = out / f"{shot.name}.png"
        tab.screenshot(path=target, full_page=True, animations="disabled")
        saved.append(target)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    path = chromium_path()
    if path is None:
        print("error: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="minirelease-shots-") as tmp:
        database = f"sqlite:///{Path(tmp) / 'console.db'}"
        with serving_demo(database, Path(tmp) / "data") as live:
            world = arrange(live)
            with sync_playwright() as playwright:
                browser = launch(playwright, path)
                tabs = Tabs(browser, live)
                try:
                    saved = shoot(tabs, live, world, args.out)
                finally:
                    tabs.close()
                    browser.close()
    for target in saved:
        print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
    if live.js_errors:
        print("error: JavaScript errors on the pages:", *live.js_errors, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
