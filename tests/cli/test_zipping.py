"""How ``minirelease upload`` packs a project and what it refuses before sending: pure,
no server. The package rules are the server's own (packages/zipcheck.py); the version
rule is a copy, checked here against the server's on the same inputs."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from minirelease.cli import zipping
from minirelease.cli.exits import CliError, Exit
from minirelease.errors import ValidationFailed
from minirelease.miniprograms.versions import validate_version
from tests.packages.zips import WITH_SUBPACKAGES, project


def _write(root: Path, files: Mapping[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def _refusal(excinfo: pytest.ExceptionInfo[CliError]) -> tuple[str, str]:
    """(code, rule): the rule is how the detail starts, as in the server's problem."""
    return excinfo.value.code, excinfo.value.detail.split(":", 1)[0]


def test_a_directory_is_packed_without_tool_folders_and_os_clutter(tmp_path: Path) -> None:
    files = project(WITH_SUBPACKAGES)
    root = _write(tmp_path / "app", files)
    _write(
        root,
        {
            ".git/config": b"[core]\n",
            "node_modules/left-pad/index.js": b"module.exports = 1;\n",
            "pages/.DS_Store": b"\0",
            "__MACOSX/._app.js": b"\0",
            "pages/index/._index.js": b"\0",
            "Thumbs.db": b"\0",
            ".vscode/settings.json": b"{}",
            "assets/notes.md": b"draft",
        },
    )
    (root / "assets" / "logo.txt").symlink_to(root / "app.js")  # inside: packed as a file
    (root / "pages" / "loop").symlink_to(root / "pages")  # a cycle: never followed twice

    first = zipping.pack(root, tmp_path, patterns=("*.md",))
    names = _names(first.path)

    assert names == sorted([*files, "assets/logo.txt"])
    assert first.entry_count == len(names)
    assert first.pages == (
        "pages/index/index",
        "pages/about/about",
        "shop/pages/cart/cart",
        "shop/pages/pay/pay",
    )
    with zipfile.ZipFile(first.path) as archive:
        assert archive.read("assets/logo.txt") == files["app.js"]
    # The same project packs to the same bytes (build/archive.py's fixed dates and order).
    again = tmp_path / "again"
    again.mkdir()
    assert zipping.pack(root, again, patterns=("*.md",)).path.read_bytes() == (
        first.path.read_bytes()
    )


def test_what_the_server_would_refuse_is_refused_with_its_rule(tmp_path: Path) -> None:
    no_app_json = _write(tmp_path / "a", project(drop=("app.json",)))
    with pytest.raises(CliError) as refused:
        zipping.pack(no_app_json, tmp_path / "a")
    assert _refusal(refused) == ("package_invalid", "app-json-missing")
    assert refused.value.exit_code == Exit.FAILED

    missing_page = _write(tmp_path / "b", project(drop=("pages/index/index.axml",)))
    with pytest.raises(CliError) as refused:
        zipping.pack(missing_page, tmp_path / "b")
    assert _refusal(refused) == ("package_invalid", "page-missing")

    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    escaping = _write(tmp_path / "c", project())
    (escaping / "pages" / "secret.js").symlink_to(outside)
    with pytest.raises(CliError) as refused:
        zipping.pack(escaping, tmp_path / "c")
    assert _refusal(refused) == ("package_invalid", "symlink")

    escaping_folder = _write(tmp_path / "d", project())
    (escaping_folder / "vendor").symlink_to(tmp_path / "c")
    with pytest.raises(CliError) as refused:
        zipping.pack(escaping_folder, tmp_path / "d")
    assert _refusal(refused) == ("package_invalid", "symlink")

    fifo = _write(tmp_path / "e", project())
    os.mkfifo(fifo / "pipe")
    with pytest.raises(CliError) as refused:
        zipping.pack(fifo, tmp_path / "e")
    assert _refusal(refused) == ("package_invalid", "special-file")


def test_a_given_zip_is_judged_by_the_same_rules(tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        for name, data in project().items():
            archive.writestr(name, data)
    assert zipping.pack(good, tmp_path).path == good

    nested = tmp_path / "nested.zip"  # the project's folder zipped, not its contents
    with zipfile.ZipFile(nested, "w") as archive:
        for name, data in project().items():
            archive.writestr(f"app/{name}", data)
    with pytest.raises(CliError) as refused:
        zipping.pack(nested, tmp_path)
    assert _refusal(refused) == ("package_invalid", "app-json-missing")
    assert "'app/app.json'" in refused.value.detail

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        for name, data in project().items():
            archive.writestr(name, data)
        archive.writestr("../escape.js", b"")
    with pytest.raises(CliError) as refused:
        zipping.pack(evil, tmp_path)
    assert _refusal(refused) == ("package_invalid", "parent-path")

    with pytest.raises(CliError) as refused:
        zipping.check_package(good, max_bytes=good.stat().st_size - 1)
    assert _refusal(refused) == ("package_invalid", "upload-too-large")

    not_zip = tmp_path / "app.json"
    not_zip.write_text("{}")
    with pytest.raises(CliError) as refused:
        zipping.pack(not_zip, tmp_path)
    assert _refusal(refused) == ("package_invalid", "not-a-zip")


@pytest.mark.parametrize(
    "version",
    [
        "1.0.0",
        "0.0.1",
        "1.2.3-beta.1",
        "1.2.3+build.7",
        " 2.0.0 ",
        "1.0",
        "01.0.0",
        "1.0.0-",
        "v1.0.0",
        "1.0.0-01",
        "",
        "1.0.0-" + "a" * 70,
        "\u0661.\u0660.\u0660",
    ],
)
def test_the_version_rule_agrees_with_the_servers(version: str) -> None:
    try:
        expected: str | None = validate_version(version)
    except ValidationFailed:
        expected = None
    try:
        seen: str | None = zipping.check_version(version)
    except CliError as error:
        assert error.code == "validation_error"
        seen = None
    assert seen == expected
