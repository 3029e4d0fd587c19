"""The build step (design §4): an uploaded zip, already validated, becomes the package a
partner app downloads — OS junk dropped, JS/CSS minified per the configuration, written as
a deterministic zip with a ``manifest.json`` inside, the manifest signed by the platform key.

Entries are read one at a time (the upload is never held whole in memory) and the package is
written to a temporary file renamed into place, so a failed build leaves nothing behind."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minirelease import __version__
from minirelease.build import minify
from minirelease.build.archive import DeterministicZip
from minirelease.build.config import BuildConfiguration
from minirelease.build.junk import junk_reason
from minirelease.build.limits import SizeReport, check_limits, measure_sizes
from minirelease.build.manifest import MANIFEST_NAME, FileRecord, canonical_json, package_manifest
from minirelease.build.signing import Signer
from minirelease.errors import PackageInvalid
from minirelease.partners.profile import PackageLimits

_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BuildResult:
    sha256: str  # of the package file
    size: int  # of the package file, bytes
    manifest: dict[str, Any]  # as stored in the package; its bytes are canonical_json(manifest)
    signature: str  # Ed25519 over canonical_json(manifest), base64; kept outside the package
    key_id: str  # which platform key signed
    sizes: SizeReport  # compressed sizes per main package / subpackage
    log: list[str]


@dataclass(frozen=True)
class _Output:
    """One file of the package and how it is made from an entry of the upload."""

    name: str
    source: zipfile.ZipInfo
    minifier: minify.Minifier | None = None
    # JS minified by the token minifier, which maps it; linked to its map when it has one.
    with_source_map: bool = False
    # The map of ``source`` rather than its content: left out when ``source`` got none.
    is_source_map: bool = False


@dataclass
class _Minified:
    files: int = 0
    bytes_before: int = 0
    bytes_after: int = 0


@dataclass
class _Stats:
    js: _Minified = field(default_factory=_Minified)
    css: _Minified = field(default_factory=_Minified)
    source_maps: int = 0
    without_map: list[str] = field(default_factory=list)  # "name: why" for the log
    # Maps made with their JS file, each waiting for its own (later) place in the package.
    pending_maps: dict[str, bytes | None] = field(default_factory=dict)


def build_package(
    source_zip: Path,
    out_path: Path,
    config: BuildConfiguration,
    *,
    signer: Signer,
    subpackage_roots: Sequence[str] = (),
    limits: PackageLimits | None = None,
) -> BuildResult:
    """Build ``source_zip`` into ``out_path``. ``subpackage_roots`` are the ``root``s of
    app.json's ``subPackages`` and split the size report; given the partner app's ``limits``,
    a package exceeding them is refused. Raises ``PackageInvalid`` when the upload cannot be
    built; nothing is then left at ``out_path``."""
    log = [f"configuration: {_describe(config)}"]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.")
    os.close(fd)
    temp = Path(temp_name)
    try:
        with _open_upload(source_zip) as upload:
            outputs = _plan(upload.infolist(), config, log)
            with DeterministicZip(temp) as archive:
                stats = _Stats()
                written = (_write_output(upload, archive, output, stats) for output in outputs)
                records = [record for record in written if record is not None]
                manifest = package_manifest(
                    records,
                    base_library_version=config.base_library_version,
                    configuration=config.to_dict(),
                    build_tool={"name": "minirelease", "version": __version__}
                    | minify.MINIFIER_VERSIONS,
                )
                manifest_bytes = canonical_json(manifest)
                archive.add_final(MANIFEST_NAME, manifest_bytes)
                compressed_sizes = archive.compressed_sizes()
        sizes = measure_sizes(compressed_sizes, subpackage_roots)
        if limits is not None:
            check_limits(sizes, limits)
        signature = signer.sign(manifest_bytes)
        sha256, size = _digest(temp)
        os.replace(temp, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    log += _summary(stats, config, len(records))
    log.append(
        f"wrote {MANIFEST_NAME} listing {_count(len(records), 'file')}; "
        f"signed by key {signer.key_id}"
    )
    log.append(
        f"package: {_count(len(compressed_sizes), 'entry', 'entries')}, {size:,} bytes, "
        f"sha256 {sha256}"
    )
    log.append(f"compressed sizes: {_describe_sizes(sizes)}")
    return BuildResult(
        sha256=sha256,
        size=size,
        manifest=manifest,
        signature=signature,
        key_id=signer.key_id,
        sizes=sizes,
        log=log,
    )


@contextlib.contextmanager
def _open_upload(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        upload = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise PackageInvalid("not-a-zip", f"the uploaded package is not a zip file: {exc}") from exc
    with upload:
        yield upload


def _plan(
    entries: Iterable[zipfile.ZipInfo], config: BuildConfiguration, log: list[str]
) -> list[_Output]:
    """The package's files in their final (sorted) order; junk is logged and left out."""
    kept: list[zipfile.ZipInfo] = []
    folders = 0
    for info in entries:
        reason = junk_reason(info.filename)
        if reason is not None:
            log.append(f"dropped {info.filename} ({reason})")
        elif info.is_dir():
            folders += 1
        else:
            kept.append(info)
    if folders:
        log.append(
            f"dropped {_count(folders, 'folder entry', 'folder entries')} "
            "(folders are implied by file paths)"
        )
    outputs: list[_Output] = []
    for info in kept:
        minifier = minify.minifier_for(info.filename, config)
        with_map = config.source_maps and minifier is minify.minify_js
        outputs.append(_Output(info.filename, info, minifier, with_source_map=with_map))
        if with_map:
            map_name = minify.source_map_name(info.filename)
            outputs.append(_Output(map_name, info, is_source_map=True))
    outputs.sort(key=lambda output: output.name)
    _refuse_name_clashes(outputs)
    return outputs


def _refuse_name_clashes(outputs: Sequence[_Output]) -> None:
    for previous, output in itertools.pairwise(outputs):
        if previous.name != output.name:
            continue
        generated = output if output.is_source_map else previous
        if generated.is_source_map:
            raise PackageInvalid(
                "reserved-name",
                f"{output.name} is also the name of the source map generated for "
                f"{generated.source.filename}; remove it from the upload or turn source maps off",
                entry=output.name,
            )
        raise PackageInvalid(
            "duplicate-name", f"{output.name} appears twice in the upload", entry=output.name
        )
    if any(output.name == MANIFEST_NAME for output in outputs):
        raise PackageInvalid(
            "reserved-name",
            f"{MANIFEST_NAME} at the package root is written by the platform; "
            "rename or remove the uploaded one",
            entry=MANIFEST_NAME,
        )


def _write_output(
    upload: zipfile.ZipFile, archive: DeterministicZip, output: _Output, stats: _Stats
) -> FileRecord | None:
    """Write ``output`` and return its record; None for a map its JS file did not get.
    Outputs come sorted by name, so a JS file always comes before its ``.map``."""
    if output.is_source_map:
        source_map = stats.pending_maps.pop(output.source.filename)
        if source_map is None:
            return None
        data = source_map
        stats.source_maps += 1
    elif output.minifier is not None:
        original = _read_entry(upload, output.source)
        data = _minified(output, output.minifier, original, stats)
        counter = stats.js if output.minifier is minify.minify_js else stats.css
        counter.files += 1
        counter.bytes_before += len(original)
        counter.bytes_after += len(data)
    else:
        data = _read_entry(upload, output.source)
    archive.add(output.name, data)
    return FileRecord(path=output.name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def _minified(output: _Output, minifier: minify.Minifier, original: bytes, stats: _Stats) -> bytes:
    if not output.with_source_map:
        return minifier(original)
    mapped = minify.minify_js_with_map(output.name, original)
    stats.pending_maps[output.name] = mapped.source_map
    if mapped.source_map is None:
        stats.without_map.append(f"{output.name}: {mapped.no_map_reason}")
        return mapped.code
    return mapped.code + minify.source_mapping_comment(output.name)


def _read_entry(upload: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return upload.read(info)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError) as exc:
        # Corrupt data, bad CRC, encryption or an unsupported compression method.
        raise PackageInvalid(
            "corrupt-zip", f"{info.filename} cannot be read: {exc}", entry=info.filename
        ) from exc


def _digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _describe(config: BuildConfiguration) -> str:
    return ", ".join(
        f"{key}={'on' if value is True else 'off' if value is False else value}"
        for key, value in config.to_dict().items()
    )


def _summary(stats: _Stats, config: BuildConfiguration, files: int) -> list[str]:
    lines = [f"kept {_count(files - stats.source_maps, 'file')} from the upload"]
    for kind, counter in (("JS", stats.js), ("CSS", stats.css)):
        if counter.files:
            saved = counter.bytes_before - counter.bytes_after
            lines.append(
                f"minified {_count(counter.files, kind + ' file')}: {counter.bytes_before:,} → "
                f"{counter.bytes_after:,} bytes (saved {saved:,})"
            )
    if stats.source_maps:
        lines.append(
            f"wrote {_count(stats.source_maps, 'source map')} "
            "(every token mapped to its line and column; sources embedded)"
        )
    lines += [f"no source map for {note}" for note in stats.without_map]
    if config.source_maps and not stats.source_maps and not stats.without_map:
        lines.append("no source maps written: they accompany minified JS, and none was minified")
    return lines


def _describe_sizes(sizes: SizeReport) -> str:
    parts = [f"main package {sizes.main_package_bytes:,} bytes"]
    parts += [
        f"subpackage {root!r} {size:,} bytes" for root, size in sizes.subpackage_bytes.items()
    ]
    parts.append(f"total {sizes.total_bytes:,} bytes")
    return "; ".join(parts)


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"
