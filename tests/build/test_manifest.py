"""Canonical JSON (the bytes that are signed) and the manifest's shape."""

from __future__ import annotations

import pytest

from minirelease.build.manifest import FileRecord, canonical_json, package_manifest


def test_canonical_json_is_one_encoding() -> None:
    value = {"b": [1, True, None, "é✓"], "a": {"y": 2, "x": "\n"}}
    assert canonical_json(value) == '{"a":{"x":"\\n","y":2},"b":[1,true,null,"é✓"]}'.encode()
    reordered = {"a": {"x": "\n", "y": 2}, "b": [1, True, None, "é✓"]}
    assert canonical_json(reordered) == canonical_json(value)


@pytest.mark.parametrize(
    "value", [1.5, {"a": [float("nan")]}, {"a": float("inf")}, {1: "int key"}, {"a": {None: 1}}]
)
def test_canonical_json_refuses_what_has_no_single_encoding(value: object) -> None:
    with pytest.raises(TypeError, match="canonical JSON"):
        canonical_json(value)


def test_package_manifest_sorts_files_and_refuses_clashes() -> None:
    files = [FileRecord("b.js", 2, "bb"), FileRecord("a.js", 1, "aa")]
    manifest = package_manifest(
        files,
        base_library_version="2.9.0",
        configuration={"minify_js": True},
        build_tool={"name": "minirelease", "version": "0.1.0"},
    )
    assert manifest == {
        "format": 1,
        "base_library_version": "2.9.0",
        "configuration": {"minify_js": True},
        "build_tool": {"name": "minirelease", "version": "0.1.0"},
        "files": [
            {"path": "a.js", "size": 1, "sha256": "aa"},
            {"path": "b.js", "size": 2, "sha256": "bb"},
        ],
    }
    for clash in ([*files, FileRecord("a.js", 1, "aa")], [FileRecord("manifest.json", 1, "m")]):
        with pytest.raises(ValueError, match="unique"):
            package_manifest(clash, base_library_version="2.9.0", configuration={}, build_tool={})
