"""slow-first-download (the main package over each cell's network), image-too-large (image
headers) and memory-risk (decoded images and the package against each device class). The
wallet supports 12 OS versions; the default matrix adds 5 networks x 3 devices."""

from __future__ import annotations

from minirelease.compat.model import IMAGE_TOO_LARGE, MEMORY_RISK, SLOW_FIRST_DOWNLOAD
from minirelease.compat.more_rules import first_download_seconds
from minirelease.compat.profiles import default_profiles
from minirelease.compat.run import CompatibilityResult
from tests.compat.images import jpeg, noise, png
from tests.compat.programs import check, findings, program


def _cells(result: CompatibilityResult, *, network: str | None = None, device: str | None = None):
    return [
        cell["id"]
        for cell in result.report["cells"]
        if network in (None, cell["network"]) and device in (None, cell["device"])
    ]


def _by_severity(result: CompatibilityResult, rule: str) -> dict[str, tuple[str, ...]]:
    """Severity → the cells of its findings, in matrix order (a network's or device's
    figures are in the message, so each has its own finding)."""
    found = findings(result, rule)
    assert all((f.finding.file, f.finding.line) == (None, None) for f in found)
    cells: dict[str, set[str]] = {}
    for f in found:
        cells.setdefault(f.finding.severity, set()).update(f.cells)
    order = _cells(result)
    return {severity: tuple(c for c in order if c in of) for severity, of in cells.items()}


def test_the_download_model() -> None:
    networks = default_profiles().networks
    seconds, round_trips = first_download_seconds(300 * 1024, networks["2g"])
    # 2 handshake round trips + 5 slow-start windows, 8.8 s of transfer, 2 % resent.
    assert round_trips == 7 and 14.5 < seconds < 15
    assert first_download_seconds(1000, networks["2g"])[0] < 3


def test_a_300_kb_main_package_fails_on_2g_and_warns_on_3g() -> None:
    result = check(program({"assets/data.bin": ""}) | {"assets/data.bin": noise(300 * 1024, "a")})
    found = _by_severity(result, SLOW_FIRST_DOWNLOAD)
    assert found == {
        "fail": tuple(_cells(result, network="2g")),
        "warn": tuple(_cells(result, network="3g")),
    }
    message = next(f.finding.message for f in findings(result) if f.finding.severity == "fail")
    assert "over 2g (280 kbps, 800 ms round trip, 2% loss; 7 round trips)" in message
    assert "about 14.7 s" in message


def test_a_1_9_mb_main_package_warns_even_on_4g() -> None:
    files = program({}) | {"assets/video.bin": noise(1900 * 1024, "b")}
    result = check(files)
    found = _by_severity(result, SLOW_FIRST_DOWNLOAD)
    assert found == {
        "fail": tuple(cell for cell in _cells(result) if cell.split("/")[2] in ("3g", "2g")),
        "warn": tuple(_cells(result, network="4g")),
    }
    assert not any(
        cell.split("/")[2] in ("wifi", "offline") for cells in found.values() for cell in cells
    )


def test_a_slow_download_names_its_largest_files_and_spares_one_page_subpackages() -> None:
    # A one-page campaign program whose hero images and a bundled script make it heavy.
    files = program({}, pages=["pages/index/index"]) | {
        "assets/hero.jpg": jpeg(1080, 1920, padding=420 * 1024),
        "assets/prizes.jpg": jpeg(1080, 1080, padding=200 * 1024),
        "libs/lottie.js": noise(90 * 1024, "lottie").hex().encode()[: 90 * 1024],
    }
    result = check(files)
    found = findings(result, SLOW_FIRST_DOWNLOAD)
    assert {f.finding.severity for f in found} == {"fail", "warn"}
    for f in found:
        # The hex script deflates to a little over half its 90 KB; the page's files are tiny.
        assert f.finding.message.endswith(
            "; largest files: assets/hero.jpg (420 KB), assets/prizes.jpg (200 KB), "
            "libs/lottie.js (52 KB); compress its assets or load them from a CDN"
        )
    # One finding per network, for all of its cells: the files named do not vary by cell.
    assert [(f.finding.severity, list(f.cells)) for f in found] == [
        ("fail", _cells(result, network="2g")),
        ("warn", _cells(result, network="3g")),
    ]


def test_a_slow_program_of_several_pages_is_told_to_use_subpackages() -> None:
    files = program({}) | {"pages/detail/gallery.jpg": jpeg(1200, 800, padding=900 * 1024)}
    result = check(files)
    found = findings(result, SLOW_FIRST_DOWNLOAD)
    assert found
    for f in found:
        # The page scripts and templates are too small to be worth naming.
        assert f.finding.message.endswith(
            "; largest files: pages/detail/gallery.jpg (900 KB); "
            "move pages into subpackages and load large assets from a CDN"
        )
        assert list(f.cells) == _cells(result, network=f.cells[0].split("/")[2])


def test_a_50_kb_package_is_not_slow_where_round_trips_make_most_of_the_wait() -> None:
    # On 2g about 5.6 s, but the handshakes and first window alone take 2.9 s of it.
    files = program({}) | {"assets/logo.png": noise(50 * 1024, "logo")}
    assert findings(check(files), SLOW_FIRST_DOWNLOAD) == []


def test_a_bundled_font_is_named_though_the_lab_reads_no_fonts() -> None:
    files = program({}) | {"assets/fonts/brand.ttf": noise(400 * 1024, "font")}
    found = findings(check(files), SLOW_FIRST_DOWNLOAD)
    assert found
    for f in found:
        assert "; largest files: assets/fonts/brand.ttf (400 KB); move pages" in f.finding.message


def test_a_large_subpackage_does_not_slow_the_first_download() -> None:
    files = program({}, subpackages={"shop": ["pages/item/item"]})
    files["shop/assets/catalog.bin"] = noise(1500 * 1024, "c")
    assert findings(check(files), SLOW_FIRST_DOWNLOAD) == []


def test_an_image_wider_than_4096_px_fails_everywhere() -> None:
    files = program({"pages/index/index.axml": '<image src="/assets/banner.png"/>\n'}) | {
        "assets/banner.png": png(5000, 300),
        "assets/ok.png": png(750, 400),
    }
    result = check(files)
    found = findings(result, IMAGE_TOO_LARGE)
    assert [(f.finding.file, f.finding.line, f.finding.severity) for f in found] == [
        ("assets/banner.png", None, "fail")
    ]
    assert "5000x300 px is over 4096 px" in found[0].finding.message
    assert list(found[0].cells) == _cells(result)


def test_a_jpeg_over_500_kb_is_a_warning_and_its_size_read_from_its_frame() -> None:
    files = program({"pages/detail/detail.axml": '<image src="./hero.jpg"/>\n'})
    files["pages/detail/hero.jpg"] = jpeg(9000, 640, padding=600 * 1024)
    files["pages/index/photo.jpeg"] = jpeg(1200, 800, padding=520 * 1024)
    found = findings(check(files), IMAGE_TOO_LARGE)
    assert [(f.finding.file, f.finding.severity) for f in found] == [
        ("pages/detail/hero.jpg", "fail"),  # 9000 px wide: the dimension comes first
        ("pages/index/photo.jpeg", "warn"),
    ]
    assert "over 500 KB" in found[1].finding.message


# A computed path: every image of the folder may be shown.
SHOWS_MAPS = """
    Page({
      data: { floor: 0 },
      map() { return '/assets/map' + this.data.floor + '.png'; },
    });
"""


def test_two_4000_px_images_risk_memory_on_low_devices_only() -> None:
    files = program({"pages/index/index.js": SHOWS_MAPS}) | {
        f"assets/map{i}.png": png(4000, 4000) for i in range(2)
    }
    result = check(files)
    assert _by_severity(result, MEMORY_RISK) == {"warn": tuple(_cells(result, device="low"))}
    message = findings(result, MEMORY_RISK)[0].finding.message
    assert "the 128 MB a low device gives a mini program" in message
    assert "assets/map0.png (4000x4000, 61.0 MB)" in message
    assert findings(result, IMAGE_TOO_LARGE) == []


def test_five_4000_px_images_fail_on_low_and_mid_and_warn_on_high() -> None:
    files = program({"pages/index/index.js": SHOWS_MAPS}) | {
        f"assets/map{i}.png": png(4000, 4000) for i in range(5)
    }
    result = check(files)
    assert _by_severity(result, MEMORY_RISK) == {
        "fail": tuple(cell for cell in _cells(result) if cell.endswith(("/low", "/mid"))),
        "warn": tuple(_cells(result, device="high")),
    }


def test_small_images_and_a_small_package_raise_nothing() -> None:
    files = program({}) | {
        "assets/logo.png": png(256, 256),
        "assets/photo.jpg": jpeg(1080, 720, padding=10 * 1024),
        "assets/broken.png": b"not an image",
    }
    assert findings(check(files)) == []


def test_images_no_file_names_ship_but_are_never_shown() -> None:
    # A repository's screenshots uploaded with the code: they slow the download (a warning
    # past 500 KB) but no device decodes or displays them.
    files = program({}) | {
        f"docs/screenshots/{name}.jpg": jpeg(5000, 5000, padding=600 * 1024)
        for name in ("home", "cart")
    }
    found = findings(check(files))
    assert {(f.finding.rule, f.finding.file, f.finding.severity) for f in found} >= {
        (IMAGE_TOO_LARGE, "docs/screenshots/cart.jpg", "warn"),
        (IMAGE_TOO_LARGE, "docs/screenshots/home.jpg", "warn"),
    }
    assert not [f for f in found if f.finding.rule == MEMORY_RISK]
    assert all("px is over" not in f.finding.message for f in found)
