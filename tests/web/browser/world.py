"""Arranging the demo's world over the API, as the demo users (their bearer tokens): what a
browser test or a screenshot needs to exist before the pages are looked at (a version
already online, a release in review). The steps a test is about go through the pages.

Also the packages: the demo's sample program, with a real compatibility finding or not."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable
from typing import Any

import httpx2

from minirelease.cli import sample_app
from tests.web.browser.live import LiveConsole

# Lite Wallet's profile (the shipped "lean_wallet") offers no device JSAPI such as
# ``my.scan``; SuperApp's and Pocket Wallet's do. The call sits on line 4 of the menu page.
SCAN_CALL = "my.scan"
SCAN_FILE = "pages/menu/menu.js"
SCAN_LINE = 4
_MENU_WITH_SCAN = (
    "Page({\n"
    "  data: { items: [{ name: 'Flat white' }, { name: 'Latte' }] },\n"
    "  onScanTable() {\n"
    "    my.scan({ type: 'qr' });\n"
    "  },\n"
    "});\n"
)


def coffee_zip(version: str, *, scans: bool = False) -> bytes:
    """The demo's Coffee Order program; ``scans`` adds a call to ``my.scan``, which Lite
    Wallet's profile lacks (a ``jsapi-unsupported`` finding there, failing every cell)."""
    files = dict(sample_app.FILES)
    files["pages/index/index.axml"] = files["pages/index/index.axml"].replace(
        "Good morning", f"Good morning (v{version})"
    )
    if scans:
        files[SCAN_FILE] = _MENU_WITH_SCAN
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(name, text)
    return buffer.getvalue()


class DemoApi:
    """The API of a served demo world, called as its users."""

    def __init__(self, live: LiveConsole) -> None:
        self.live = live
        self.mini_program_id = live.people.mini_program_id
        self.http = httpx2.Client(base_url=f"{live.url}/api/v1", timeout=30)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, who: str = "developer", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.live.token(who)}"}
        response = self.http.request(method, path, headers=headers, **kw)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json()

    def release(self, release_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/releases/{release_id}", "admin"))

    def listing(self, code: str) -> dict[str, Any]:
        path = f"/mini-programs/{self.mini_program_id}/partner-apps/{code}"
        return dict(self.call("GET", path, "admin"))

    def upload(self, version: str, package: bytes) -> None:
        self.call(
            "POST",
            f"/mini-programs/{self.mini_program_id}/versions",
            data={"version": version, "description": f"Coffee Order {version}"},
            files={"package": (f"coffee-order-{version}.zip", package, "application/zip")},
        )

    def start(self, version: str, code: str) -> str:
        """A new release of ``version`` (uploaded) to partner app ``code``: it builds."""
        body = {"version": version, "partner_app": code}
        created = self.call("POST", f"/mini-programs/{self.mini_program_id}/releases", json=body)
        return str(created["id"])

    def wait_status(self, release_id: str, statuses: Iterable[str], timeout: float = 60) -> str:
        """Poll the release until its status is one of ``statuses`` (its jobs run on the
        server); fail on a status it cannot come back from."""
        wanted = set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            status = str(self.release(release_id)["status"])
            if status in wanted:
                return status
            assert status not in {"build_failed", "canceled"}, f"{release_id} is {status}"
            assert time.monotonic() < deadline, f"{release_id} still {status}, not {wanted}"
            time.sleep(0.1)

    def tested(self, release_id: str) -> None:
        """Built, then a compatibility run over the partner app's whole matrix, finished."""
        self.wait_status(release_id, {"awaiting_test"})
        self.call("POST", f"/releases/{release_id}/compatibility-runs", json={})
        self.wait_status(release_id, {"tested"})

    def in_review(self, release_id: str) -> None:
        self.tested(release_id)
        self.call("POST", f"/releases/{release_id}/apply", json={})

    def approved(self, release_id: str, code: str) -> None:
        self.in_review(release_id)
        for side, who in (("platform", "platform-reviewer"), ("partner", f"{code}-reviewer")):
            body = {"side": side, "decision": "approve"}
            self.call("POST", f"/releases/{release_id}/reviews", who, json=body)

    def grayscale(self, release_id: str, *percentages: float) -> None:
        for percentage in percentages:
            body = {"percentage": percentage}
            self.call("POST", f"/releases/{release_id}/grayscale", json=body)

    def online(self, version: str, code: str) -> str:
        """``version`` (uploaded) released fully to partner app ``code``: online there."""
        release_id = self.start(version, code)
        self.approved(release_id, code)
        self.call("POST", f"/releases/{release_id}/full-release", json={})
        return release_id
