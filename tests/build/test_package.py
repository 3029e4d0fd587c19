"""The build step end to end on real zips: determinism, junk, minification, source maps,
the manifest and its signature, refusals."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from minirelease.build.config import BuildConfiguration
from minirelease.build.manifest import MANIFEST_NAME, canonical_json
from minirelease.build.package import BuildResult, build_package
from minirelease.build.signing import verify
from minirelease.errors import PackageInvalid
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS, PackageLimits
from tests.build.samples import INDEX_JS, JUNK, PROJECT, new_signer, write_zip

DEFAULT = BuildConfiguration()


def build(
    tmp_path: Path,
    source: Path,
    config: BuildConfiguration = DEFAULT,
    name: str = "package.zip",
    roots: tuple[str, ...] = ("sub",),
) -> tuple[BuildResult, Path]:
    out = tmp_path / "out" / name
    return build_package(source, out, config, signer=new_signer(), subpackage_roots=roots), out


def entries(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


# Determinism


def test_same_upload_and_configuration_give_identical_bytes(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    first, first_path = build(tmp_path, source, name="first.zip")
    second, second_path = build(tmp_path, source, name="second.zip")
    assert first_path.read_bytes() == second_path.read_bytes()
    assert (first.sha256, first.size) == (second.sha256, second.size)
    # Different keys signed the two builds: the signature lives outside the package.
    assert first.signature != second.signature


def test_uploads_differing_only_in_zip_metadata_give_identical_bytes(tmp_path: Path) -> None:
    names = list(PROJECT)
    tidy = write_zip(tmp_path / "tidy.zip", PROJECT, order=sorted(names))
    messy = write_zip(
        tmp_path / "messy.zip",
        {**PROJECT, **JUNK},
        order=list(reversed(names)) + list(JUNK),
        date_time=(2019, 12, 31, 23, 59, 58),
        mode=0o755,
        compression=zipfile.ZIP_STORED,
        folders=["pages/", "pages/index/", "sub/", "__MACOSX/"],
    )
    assert tidy.read_bytes() != messy.read_bytes()
    for config in (DEFAULT, BuildConfiguration(minify_js=False, minify_css=False)):
        tidy_result, tidy_package = build(tmp_path, tidy, config, name="tidy.zip")
        messy_result, messy_package = build(tmp_path, messy, config, name="messy.zip")
        assert tidy_package.read_bytes() == messy_package.read_bytes()
        assert tidy_result.manifest == messy_result.manifest


@pytest.mark.parametrize(
    "config",
    [
        BuildConfiguration(minify_js=False),
        BuildConfiguration(minify_css=False),
        BuildConfiguration(base_library_version="2.9.1"),
        BuildConfiguration(source_maps=True),
    ],
    ids=["js-off", "css-off", "base-library", "source-maps"],
)
def test_a_different_configuration_gives_different_bytes(
    tmp_path: Path, config: BuildConfiguration
) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    default, default_path = build(tmp_path, source, name="default.zip")
    changed, changed_path = build(tmp_path, source, config, name="changed.zip")
    assert default_path.read_bytes() != changed_path.read_bytes()
    assert default.sha256 != changed.sha256
    assert changed.manifest["configuration"] == config.to_dict()


def test_package_layout_is_fixed(tmp_path: Path) -> None:
    result, package = build(tmp_path, write_zip(tmp_path / "upload.zip", PROJECT))
    with zipfile.ZipFile(package) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names[-1] == MANIFEST_NAME
    assert names[:-1] == sorted(PROJECT)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr == 0o644 << 16
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.extra == b""
        assert info.comment == b""
        assert info.flag_bits & 0x800
    assert result.sha256 == hashlib.sha256(package.read_bytes()).hexdigest()
    assert result.size == package.stat().st_size


# Junk, minification, source maps


def test_os_junk_and_folder_entries_are_dropped_and_logged(tmp_path: Path) -> None:
    source = write_zip(
        tmp_path / "upload.zip", {**PROJECT, **JUNK}, folders=["pages/", "__MACOSX/"]
    )
    result, package = build(tmp_path, source)
    assert set(entries(package)) == {*PROJECT, MANIFEST_NAME}
    for name in JUNK:
        assert any(line.startswith(f"dropped {name} (") for line in result.log), name
    assert "dropped 1 folder entry (folders are implied by file paths)" in result.log


def test_minification_shrinks_js_and_css_and_logs_the_savings(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    minified, minified_path = build(tmp_path, source, name="min.zip")
    plain, plain_path = build(
        tmp_path, source, BuildConfiguration(minify_js=False, minify_css=False), name="plain.zip"
    )
    small, large = entries(minified_path), entries(plain_path)
    for name in PROJECT:
        if name.endswith((".js", ".acss", ".css")):
            assert len(small[name]) < len(large[name]) == len(PROJECT[name]), name
        else:
            assert small[name] == large[name] == PROJECT[name], name
    assert small["pages/index/index.js"] == (
        b'Page({data:{greeting:"hello   world",pattern:/a  b/g},onLoad(){'
        b"my.navigateTo({url:'/sub/pages/detail/detail'});},});"
    )
    js_before = sum(len(PROJECT[n]) for n in PROJECT if n.endswith(".js"))
    js_after = sum(len(small[n]) for n in PROJECT if n.endswith(".js"))
    assert (
        f"minified 3 JS files: {js_before:,} → {js_after:,} bytes "
        f"(saved {js_before - js_after:,})" in minified.log
    )
    assert any(line.startswith("minified 3 CSS files: ") for line in minified.log)
    # Licence comments survive minification.
    assert small["styles/reset.css"] == b"/*! reset v1 | MIT */html,body{margin:0}"
    assert not any(line.startswith("minified") for line in plain.log)


def test_source_maps_map_and_are_linked(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    result, package = build(tmp_path, source, BuildConfiguration(source_maps=True))
    files = entries(package)
    js = sorted(name for name in PROJECT if name.endswith(".js"))
    assert sorted(name for name in files if name.endswith(".map")) == [f"{n}.map" for n in js]
    source_map = json.loads(files["pages/index/index.js.map"])
    assert source_map["sourcesContent"] == [INDEX_JS.decode()]
    assert (source_map["file"], source_map["sources"]) == ("index.js", ["index.js"])
    # "Page" at line 3 of the original, "data" at line 4, column 2 (0-based).
    assert source_map["mappings"].startswith("AAGA,IAAI,CAAC,CACH,")
    assert files["pages/index/index.js"] == (
        b'Page({data:{greeting:"hello   world",pattern:/a  b/g},onLoad(){'
        b"my.navigateTo({url:'/sub/pages/detail/detail'});},});"
        b"\n//# sourceMappingURL=index.js.map\n"
    )
    assert not any(name.endswith((".acss.map", ".css.map")) for name in files)
    assert "wrote 3 source maps (every token mapped to its line and column; sources embedded)" in (
        result.log
    )


def test_js_without_a_map_is_said_so_and_no_map_is_empty(tmp_path: Path) -> None:
    unmappable = {
        **PROJECT,
        "pages/broken.js": b"var a = (1 ;\nfoo(  a  )\n",  # tree-sitter reports an error
        "pages/empty.js": b"// nothing yet\n",
    }
    source = write_zip(tmp_path / "upload.zip", unmappable)
    result, package = build(tmp_path, source, BuildConfiguration(source_maps=True))
    files = entries(package)
    maps = {name: json.loads(data) for name, data in files.items() if name.endswith(".map")}
    assert sorted(maps) == [
        "app.js.map",
        "pages/index/index.js.map",
        "sub/pages/detail/detail.js.map",
    ]
    assert all(document["mappings"] for document in maps.values())
    assert files["pages/broken.js"] == b"var a=(1;foo(a)"  # as rjsmin minifies it
    assert files["pages/empty.js"] == b""
    assert (
        "no source map for pages/broken.js: a syntax error at line 1, column 11; "
        "minified by rjsmin instead" in result.log
    )
    assert (
        "no source map for pages/empty.js: nothing of it is left to map after minification"
        in result.log
    )
    assert any(line.startswith("wrote 3 source maps") for line in result.log)
    assert f"kept {len(unmappable)} files from the upload" in result.log


def test_no_source_maps_without_js_minification(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    config = BuildConfiguration(minify_js=False, source_maps=True)
    result, package = build(tmp_path, source, config)
    assert not any(name.endswith(".map") for name in entries(package))
    assert entries(package)["app.js"] == PROJECT["app.js"]
    assert any(line.startswith("no source maps written") for line in result.log)


# Manifest and signature


def test_manifest_lists_every_file_with_its_size_and_digest(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    config = BuildConfiguration(source_maps=True, base_library_version="2.10.3")
    result, package = build(tmp_path, source, config)
    files = entries(package)
    stored = files.pop(MANIFEST_NAME)
    assert stored == canonical_json(result.manifest)
    assert json.loads(stored) == result.manifest
    assert result.manifest["files"] == [
        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(files.items())
    ]
    assert result.manifest["base_library_version"] == "2.10.3"
    assert result.manifest["configuration"] == config.to_dict()
    assert result.manifest["build_tool"]["name"] == "minirelease"
    assert set(result.manifest["build_tool"]) == {
        "name",
        "version",
        "rjsmin",
        "rcssmin",
        "tree-sitter",
        "tree-sitter-javascript",
    }


def test_signature_verifies_and_fails_on_any_change(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    signer = new_signer()
    result = build_package(source, tmp_path / "p.zip", DEFAULT, signer=signer)
    stored = entries(tmp_path / "p.zip")[MANIFEST_NAME]
    public = signer.public_key_raw_b64()
    assert result.key_id == signer.key_id
    assert verify(public, stored, result.signature)
    for index in (0, len(stored) // 2, len(stored) - 1):
        changed = bytearray(stored)
        changed[index] ^= 0x01
        assert not verify(public, bytes(changed), result.signature)
    assert not verify(new_signer().public_key_raw_b64(), stored, result.signature)


def test_sizes_split_main_package_and_subpackages(tmp_path: Path) -> None:
    result, package = build(tmp_path, write_zip(tmp_path / "upload.zip", PROJECT))
    with zipfile.ZipFile(package) as archive:
        compressed = {info.filename: info.compress_size for info in archive.infolist()}
    sub = sum(size for name, size in compressed.items() if name.startswith("sub/"))
    assert result.sizes.subpackage_bytes == {"sub": sub}
    assert result.sizes.main_package_bytes == sum(compressed.values()) - sub
    assert result.sizes.total_bytes == sum(compressed.values())
    assert result.log[-1] == (
        f"compressed sizes: main package {sum(compressed.values()) - sub:,} bytes; "
        f"subpackage 'sub' {sub:,} bytes; total {sum(compressed.values()):,} bytes"
    )


# Refusals leave nothing behind


def assert_refused(
    tmp_path: Path,
    source: Path,
    rule: str,
    entry: str | None,
    config: BuildConfiguration,
    limits: PackageLimits | None = None,
) -> PackageInvalid:
    out = tmp_path / "out" / "package.zip"
    with pytest.raises(PackageInvalid) as caught:
        build_package(
            source, out, config, signer=new_signer(), subpackage_roots=["sub"], limits=limits
        )
    assert (caught.value.rule, caught.value.entry) == (rule, entry)
    assert list(out.parent.iterdir()) == []  # neither the package nor a temporary file
    return caught.value


def test_an_uploaded_manifest_json_is_refused(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", {**PROJECT, MANIFEST_NAME: b"{}"})
    error = assert_refused(tmp_path, source, "reserved-name", MANIFEST_NAME, DEFAULT)
    assert "written by the platform" in error.detail


def test_an_uploaded_map_clashing_with_a_generated_one_is_refused(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", {**PROJECT, "app.js.map": b"{}"})
    config = BuildConfiguration(source_maps=True)
    error = assert_refused(tmp_path, source, "reserved-name", "app.js.map", config)
    assert "source map generated for app.js" in error.detail
    # Without source maps the uploaded map is just another file.
    _, package = build(tmp_path, source)
    assert entries(package)["app.js.map"] == b"{}"


def test_non_utf8_js_builds_but_cannot_have_a_source_map(tmp_path: Path) -> None:
    latin1 = {**PROJECT, "legacy.js": "var s = 'café' ;\n".encode("latin-1")}
    source = write_zip(tmp_path / "upload.zip", latin1)
    _, package = build(tmp_path, source)
    assert entries(package)["legacy.js"] == "var s='café';".encode("latin-1")
    config = BuildConfiguration(source_maps=True)
    error = assert_refused(tmp_path / "refused", source, "invalid-encoding", "legacy.js", config)
    assert "not UTF-8" in error.detail


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "upload.zip"
    source.write_bytes(b"this is not a zip")
    assert_refused(tmp_path, source, "not-a-zip", None, DEFAULT)


def test_a_corrupt_entry_is_refused(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT, compression=zipfile.ZIP_STORED)
    data = bytearray(source.read_bytes())
    at = data.index(INDEX_JS)
    data[at] ^= 0xFF  # the stored bytes no longer match the entry's CRC
    source.write_bytes(bytes(data))
    assert_refused(tmp_path, source, "corrupt-zip", "pages/index/index.js", DEFAULT)


def test_a_name_twice_in_the_upload_is_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        source = write_zip(tmp_path / "upload.zip", PROJECT, order=[*PROJECT, "app.js"])
    assert_refused(tmp_path, source, "duplicate-name", "app.js", DEFAULT)


def test_a_package_over_the_partner_apps_limits_is_refused(tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip", PROJECT)
    result, _ = build(tmp_path / "fits", source)
    sub = result.sizes.subpackage_bytes["sub"]
    roomy = PackageLimits(
        main_package_bytes=result.sizes.main_package_bytes,
        subpackage_bytes=sub,
        total_bytes=result.sizes.total_bytes,
    )
    out = tmp_path / "within.zip"
    within = build_package(
        source, out, DEFAULT, signer=new_signer(), subpackage_roots=["sub"], limits=roomy
    )
    assert within.sha256 == result.sha256
    tight = PackageLimits(
        main_package_bytes=DEFAULT_PACKAGE_LIMITS["main_package_bytes"],
        subpackage_bytes=sub - 1,
        total_bytes=DEFAULT_PACKAGE_LIMITS["total_bytes"],
    )
    error = assert_refused(tmp_path, source, "package-too-large", "sub", DEFAULT, tight)
    assert f"subpackage 'sub' is {sub:,} bytes" in error.detail
