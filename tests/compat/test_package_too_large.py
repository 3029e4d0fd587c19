"""package-too-large: the built package's compressed sizes against the partner app's limits,
and reading those sizes from a built zip."""

from __future__ import annotations

import hashlib
from pathlib import Path

from minirelease.build.archive import DeterministicZip
from minirelease.compat.model import PACKAGE_TOO_LARGE
from minirelease.compat.package import BuiltPackage, deflated_size
from minirelease.partners.profile import PackageLimits
from tests.compat.programs import assert_only, check, findings, program

LIMITS = PackageLimits(main_package_bytes=6000, subpackage_bytes=4000, total_bytes=12000)


def _noise(size: int, seed: str) -> bytes:
    """Bytes that do not compress, so the compressed size is about ``size``."""
    return hashlib.shake_256(seed.encode()).digest(size)


def test_an_image_pushes_the_main_package_over_its_limit() -> None:
    files = program({}) | {"assets/banner.png": _noise(7000, "banner")}
    found = assert_only(check(files, limits=LIMITS), PACKAGE_TOO_LARGE, None, None, None)
    assert found.finding.message.startswith("main package is 7,")
    assert "allows 6,000 bytes (0.01 MiB) (main_package_bytes)" in found.finding.message


def test_a_subpackage_over_its_limit() -> None:
    files = program({}, subpackages={"shop": ["pages/item/item"]})
    files["shop/assets/video.mp4"] = _noise(4500, "video")
    found = assert_only(check(files, limits=LIMITS), PACKAGE_TOO_LARGE, None, None, None)
    assert found.finding.message.startswith("subpackage 'shop' is 4,")


def test_subpackages_each_within_limits_but_too_large_together() -> None:
    roots = {"a": ["p/p"], "b": ["p/p"], "c": ["p/p"]}
    files = program({}, subpackages=roots)
    for root in roots:
        files[f"{root}/big.bin"] = _noise(3900, root)
    result = check(files, limits=LIMITS)
    found = assert_only(result, PACKAGE_TOO_LARGE, None, None, None)
    assert found.finding.message.startswith("whole package is 1")


def test_a_package_within_the_limits_is_not_a_finding() -> None:
    files = program({}, subpackages={"shop": ["pages/item/item"]})
    files["assets/logo.png"] = _noise(2000, "logo")
    files["shop/a.png"] = _noise(2000, "a")
    assert findings(check(files, limits=LIMITS), PACKAGE_TOO_LARGE) == []


def test_sizes_read_from_a_built_zip_match_those_computed_from_files(tmp_path: Path) -> None:
    files = program({}) | {"assets/logo.png": _noise(3000, "logo"), "notes.txt": b"a" * 5000}
    path = tmp_path / "package.zip"
    with DeterministicZip(path) as archive:
        for name in sorted(files):
            archive.add(name, files[name])
    from_zip = BuiltPackage.from_zip(path)
    assert dict(from_zip.compressed_sizes) == dict(BuiltPackage.from_files(files).compressed_sizes)
    assert from_zip.compressed_sizes["notes.txt"] == deflated_size(b"a" * 5000) < 100
    # Only the files rules read (images for their headers) are loaded; the rest only count
    # towards the sizes.
    assert "notes.txt" not in from_zip.files
    assert from_zip.files["assets/logo.png"] == files["assets/logo.png"]
    assert from_zip.files["pages/index/index.js"] == files["pages/index/index.js"]
