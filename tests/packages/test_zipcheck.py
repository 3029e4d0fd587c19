"""The package rules, straight on files (no database): every hostile package refused with
its rule and entry, and the valid shapes real archivers produce accepted."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from minirelease.errors import PackageInvalid
from minirelease.packages import rules
from minirelease.packages.appjson import parse_app_json
from minirelease.packages.rules import UploadLimits
from minirelease.packages.zipcheck import PackageInfo, inspect_package
from tests.packages.hostile import CASES, Hostile, many_entries
from tests.packages.zips import (
    WITH_SUBPACKAGES,
    Raw,
    info,
    project,
    raw_files,
    raw_zip,
    zip_bytes,
)

LIMITS = UploadLimits()


def _inspect(tmp_path: Path, data: bytes, limits: UploadLimits = LIMITS) -> PackageInfo:
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    return inspect_package(path, limits)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_package_is_refused_naming_rule_and_entry(tmp_path: Path, case: Hostile) -> None:
    with pytest.raises(PackageInvalid) as refused:
        _inspect(tmp_path, case.build())
    assert (refused.value.rule, refused.value.entry) == (case.rule, case.entry)
    assert refused.value.detail.startswith(f"{case.rule}: ")
    assert case.detail_contains in refused.value.detail


def test_minimal_package_is_described(tmp_path: Path) -> None:
    files = project()
    result = _inspect(tmp_path, zip_bytes(files))
    assert result.pages == ("pages/index/index",)
    assert result.subpackages == ()
    assert result.entry_count == len(files)
    assert result.uncompressed_size == sum(len(data) for data in files.values())


def test_subpackages_are_described_and_their_pages_required(tmp_path: Path) -> None:
    result = _inspect(tmp_path, zip_bytes(project(WITH_SUBPACKAGES)))
    assert [(s.root, s.pages) for s in result.subpackages] == [
        ("shop", ("pages/cart/cart", "pages/pay/pay"))
    ]
    assert result.app_json["window"] == {"defaultTitle": "Demo"}
    assert result.manifest.summary()["subPackages"] == [
        {"root": "shop", "pages": ["pages/cart/cart", "pages/pay/pay"]}
    ]


def test_os_junk_and_directories_are_tolerated_and_counted(tmp_path: Path) -> None:
    files = project(
        extra={
            "__MACOSX/._app.js": b"\x00\x05\x16\x07",
            "__MACOSX/pages/index/._index.js": b"\x00\x05\x16\x07",
            "pages/.DS_Store": b"\x00\x00\x00\x01Bud1",
        }
    )
    entries = [("pages/", b""), ("pages/index/", b""), *files.items()]
    assert _inspect(tmp_path, zip_bytes(entries)).entry_count == len(files) + 2


def test_stored_entries_unflagged_utf8_names_and_zip64_records_are_accepted(
    tmp_path: Path,
) -> None:
    entries = [
        *raw_files(project()),
        Raw("assets/说明.txt", "你好".encode(), flags=0),  # UTF-8 without the flag
        Raw("assets/stored.txt", b"kept as is", method=zipfile.ZIP_STORED),
        Raw("assets/big-header.txt", b"zip64 central record", zip64=True),
    ]
    assert _inspect(tmp_path, raw_zip(entries)).entry_count == len(entries)


def test_small_highly_compressible_files_are_exempt_from_the_ratio(tmp_path: Path) -> None:
    blank = bytes(LIMITS.ratio_exempt_bytes // 2)  # ~1000:1, but only 512 KiB
    assert _inspect(tmp_path, zip_bytes(project(extra={"assets/blank.bin": blank})))


def test_exactly_the_entry_limit_is_accepted(tmp_path: Path) -> None:
    assert _inspect(tmp_path, many_entries(5000)).entry_count == 5000


def test_limits_are_parameters(tmp_path: Path) -> None:
    tight = UploadLimits(max_entries=3)
    with pytest.raises(PackageInvalid) as refused:
        _inspect(tmp_path, zip_bytes(project()), tight)
    assert refused.value.rule == rules.TOO_MANY_ENTRIES


def test_directory_entry_with_data_is_corrupt(tmp_path: Path) -> None:
    entry = info("pages/extra/", mode=stat.S_IFDIR | 0o755)
    with pytest.raises(PackageInvalid) as refused:
        _inspect(tmp_path, zip_bytes([*project().items(), (entry, b"data")]))
    assert (refused.value.rule, refused.value.entry) == (rules.CORRUPT_ZIP, "pages/extra/")


def test_app_json_with_bom_is_accepted(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf" + json.dumps({"pages": ["pages/index/index"]}).encode()
    assert _inspect(tmp_path, zip_bytes(project(extra={"app.json": bom}))).pages


@pytest.mark.parametrize(
    ("app", "message"),
    [
        (
            {
                "pages": ["a/b"],
                "subPackages": [{"root": "s", "pages": ["x"]}, {"root": "s/t", "pages": ["y"]}],
            },
            "overlap",
        ),
        ({"pages": ["shop/a"], "subPackages": [{"root": "shop", "pages": ["x"]}]}, "inside"),
        ({"pages": ["a/b"], "subPackages": [{"pages": ["x"]}]}, '"root"'),
        ({"pages": ["a/b"], "subPackages": [{"root": "../s", "pages": ["x"]}]}, "'..'"),
        ({"pages": ["a/b"], "subPackages": ["shop"]}, "object"),
        ({"pages": ["a/b", 3]}, "strings"),
        ({"pages": ["a\\b"]}, "backslash"),
        ({"subPackages": []}, '"pages"'),
    ],
)
def test_app_json_structure_is_validated(app: dict[str, object], message: str) -> None:
    with pytest.raises(PackageInvalid) as refused:
        parse_app_json(json.dumps(app).encode())
    assert refused.value.rule == rules.APP_JSON_INVALID
    assert message in refused.value.detail


@pytest.mark.parametrize(
    "text", [b'{"pages": [NaN]}', b"[" * 200_000 + b"]" * 200_000, b'{"pages": ["a"]} x']
)
def test_app_json_that_is_not_plain_json_is_refused(text: bytes) -> None:
    with pytest.raises(PackageInvalid) as refused:
        parse_app_json(text)
    assert refused.value.rule == rules.APP_JSON_INVALID


def test_subpackage_root_trailing_slash_is_normalized() -> None:
    app = {"pages": ["a/b"], "subPackages": [{"root": "shop/", "pages": ["p/q"]}]}
    manifest = parse_app_json(json.dumps(app).encode())
    assert manifest.page_locations() == [("", "a/b"), ("shop", "p/q")]
    assert rules.page_files("p/q", "shop") == ("shop/p/q.axml", "shop/p/q.js")


@pytest.mark.parametrize(
    ("name", "mode", "kind"),
    [
        ("a.js", 0, "file"),  # archivers on Windows record no Unix mode
        ("a/", 0, "directory"),
        ("a", stat.S_IFDIR | 0o755, "directory"),
        ("a.js", stat.S_IFREG | 0o644, "file"),
        ("a", stat.S_IFLNK | 0o777, "symlink"),
        ("a", stat.S_IFSOCK | 0o777, "special"),
        ("a", stat.S_IFBLK | 0o600, "special"),
    ],
)
def test_entry_kind_comes_from_the_unix_mode(name: str, mode: int, kind: str) -> None:
    assert rules.entry_kind(name, mode << 16) == kind


@pytest.mark.parametrize("name", ["app.js", "pages/index/index.axml", "assets/图片 1.png", "a/b/"])
def test_ordinary_names_pass(name: str) -> None:
    assert rules.check_entry_name(name.encode(), LIMITS) == name


def test_os_junk_is_recognized() -> None:
    assert rules.is_os_junk("__MACOSX/._app.js")
    assert rules.is_os_junk("pages/.DS_Store")
    assert not rules.is_os_junk("pages/index/index.js")
