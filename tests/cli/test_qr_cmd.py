"""``minirelease qr`` against a real demo server: the image the server drew, written to a
file, scans to the deep link the command reports; without a file the code is drawn in
the terminal."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from tests.cli.live_demo import DemoServer, demo_server
from tests.miniprograms.qrdecode import decode_png
from tests.releases.live import wait_until

__all__ = ["demo_server"]

PARTNER = "superapp"


@pytest.fixture(scope="module")
def built_release(demo_server: DemoServer) -> Iterator[str]:
    """A release of the demo's version 1.0.0 to the partner app, built (made through the
    API: the release commands are another module's)."""
    api = httpx2.Client(
        base_url=f"{demo_server.url}/api/v1",
        headers={"Authorization": f"Bearer {demo_server.tokens['owner']}"},
    )
    with api:
        created = api.post(
            f"/mini-programs/{demo_server.mini_program_id}/releases",
            json={"version": "1.0.0", "partner_app": PARTNER},
        )
        assert created.status_code == 201, created.text
        release_id = created.json()["id"]

        def build_status() -> str | None:
            status = str(api.get(f"/releases/{release_id}").json()["build"]["status"])
            return status if status in ("succeeded", "failed") else None

        assert wait_until(build_status, timeout=90, interval=0.3) == "succeeded"
    yield release_id


def _qr(demo: DemoServer, kind: str, *args: str) -> list[str]:
    return ["qr", kind, "--mini-program", demo.mini_program_id, "--partner-app", PARTNER, *args]


def test_codes_written_as_png_and_svg_hold_the_link(
    demo_server: DemoServer, built_release: str
) -> None:
    png = demo_server.home / "preview.png"
    answer = demo_server.json(
        *_qr(demo_server, "preview", "--release", built_release, "--page", "pages/menu/menu",
             "--query", "from=ci", "--out", str(png)),
    )  # fmt: skip
    link = answer["deep_link"]
    assert link.startswith("superapp://mini?appId=" + demo_server.app_id)
    outer = parse_qs(urlsplit(link).query)
    assert outer["page"] == ["pages/menu/menu"]
    assert parse_qs(outer["query"][0]) == {
        "from": ["ci"],
        "mr_kind": ["preview"],
        "mr_release": [built_release],
        "mr_version": ["1.0.0"],
    }
    assert answer["file"] == str(png)
    assert answer["content_type"] == "image/png"
    assert answer["filename"] == f"{demo_server.app_id}-{PARTNER}-preview.png"
    assert decode_png(png.read_bytes()) == [link]

    svg = demo_server.home / "trial.svg"
    trial = demo_server.json(*_qr(demo_server, "trial", "--out", str(svg)))  # the newest build
    assert f"mr_release%3D{built_release}" in trial["deep_link"]
    assert trial["content_type"] == "image/svg+xml"
    assert ET.fromstring(svg.read_bytes()).tag == "{http://www.w3.org/2000/svg}svg"


def test_without_a_file_the_code_is_drawn_with_its_link(
    demo_server: DemoServer, built_release: str
) -> None:
    files_before = sorted(demo_server.home.iterdir())
    done = demo_server.cli(*_qr(demo_server, "trial", "--release", built_release), process=True)
    assert done.returncode == 0, done.stderr
    *drawing, link = done.stdout.rstrip("\n").splitlines()
    assert link.startswith("superapp://mini?appId=")
    # segno's compact drawing: half-block characters, two rows of modules a line.
    assert len(drawing) > 10 and any("▀" in row or "▄" in row for row in drawing)
    assert sorted(demo_server.home.iterdir()) == files_before  # no file written

    as_json = demo_server.json(*_qr(demo_server, "trial", "--release", built_release))
    assert as_json["file"] is None and as_json["deep_link"] == link


def test_refusals(demo_server: DemoServer, built_release: str) -> None:
    promo = demo_server.cli(*_qr(demo_server, "promo"), "--json")
    assert promo.returncode == 1  # nothing is online yet
    assert json.loads(promo.stdout)["error"]["code"] == "not_released"
    reserved = demo_server.cli(*_qr(demo_server, "trial", "--query", "mr_kind=promo"))
    assert reserved.returncode == 1 and "[validation_error]" in reserved.stderr
    wrong_suffix = demo_server.cli(*_qr(demo_server, "trial", "--out", "code.jpg"))
    assert wrong_suffix.returncode == 2 and "[unsupported_format]" in wrong_suffix.stderr
    assert demo_server.cli(*_qr(demo_server, "banner")).returncode == 2
