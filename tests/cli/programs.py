"""Programs the client commands' tests release, and the two steps most of them start
with: upload a version (with ``minirelease upload``) and create a built release."""

from __future__ import annotations

from collections.abc import Mapping

from minirelease.cli import sample_app
from tests.cli.live_demo import DemoServer
from tests.compat.images import jpeg
from tests.packages.zips import zip_bytes

SAMPLE = {name: text.encode() for name, text in sample_app.FILES.items()}
# my.scan, unguarded: the lean wallet ("lite") does not offer it.
SCANS = {
    **SAMPLE,
    "pages/menu/menu.js": b"Page({\n  onLoad() {\n    my.scan({ type: 'qr' });\n  },\n});\n",
}
# A 520 KB photo nothing shows: shipped, so a warning (over 500 KB), never a failure.
HEAVY_PHOTO = {**SAMPLE, "orders/assets/photo.jpeg": jpeg(1200, 800, padding=520 * 1024)}


def upload(demo: DemoServer, version: str, files: Mapping[str, bytes] = SAMPLE) -> None:
    """``files`` zipped and uploaded as ``version`` by the owner, with ``minirelease upload``."""
    package = demo.home / f"package-{version}.zip"
    package.write_bytes(zip_bytes(files))
    uploaded = demo.json(
        "upload", str(package), "--mini-program", demo.mini_program_id, "--version", version
    )
    assert uploaded["version"] == version


def built(demo: DemoServer, version: str, partner_app: str) -> str:
    (release,) = demo.json(
        "release",
        "create",
        "--mini-program",
        demo.mini_program_id,
        "--version",
        version,
        "--partner-app",
        partner_app,
        "--wait",
    )
    assert release["build"]["status"] == "succeeded", release
    return str(release["id"])


def approved(demo: DemoServer, version: str) -> str:
    """A release of ``version`` to superapp, built, tested, applied and approved."""
    release_id = built(demo, version, "superapp")
    demo.json("compat", "run", release_id, "--wait")
    demo.json("release", "apply", release_id)
    demo.json("release", "review", "approve", release_id, "--side", "platform",
              user="platform-reviewer")  # fmt: skip
    answer = demo.json("release", "review", "approve", release_id, "--side", "partner",
                       user="superapp-reviewer")  # fmt: skip
    assert answer["status"] == "approved", answer
    return release_id
