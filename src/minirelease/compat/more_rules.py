"""The static rules that read the cell's OS, network and device profiles (design §5):
language features above the engine's level, the first download over the cell's network,
oversized images and the memory decoded images and the package take on the device. Each
varies with exactly the profile it reads, so it runs once per distinct profile."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping
from typing import Final

from minirelease.compat import model
from minirelease.compat.analyzer import Rule, same_everywhere
from minirelease.compat.images import ImageFacts
from minirelease.compat.model import CellContext, Finding
from minirelease.compat.parsed import ParsedPackage
from minirelease.compat.profiles import LANGUAGE_LEVELS, NetworkProfile

# First download: a warning above WARN, a failure above FAIL (seconds).
DOWNLOAD_WARN_SECONDS: Final = 3.0
DOWNLOAD_FAIL_SECONDS: Final = 10.0
# A fresh HTTPS connection costs a TCP and a TLS 1.3 handshake before the request.
SETUP_ROUND_TRIPS: Final = 2
# TCP's initial congestion window (10 segments of 1460 bytes), doubling each round trip.
INITIAL_WINDOW_BYTES: Final = 14_600

IMAGE_MAX_BYTES: Final = 500 * 1024
# Many mobile GPUs cannot hold a texture larger than this on a side.
IMAGE_MAX_SIDE_PX: Final = 4096

MIB: Final = 1024 * 1024
# Above this share of the device's mini program memory, a memory-risk warning.
MEMORY_WARN_SHARE: Final = 0.5
_IMAGES_NAMED: Final = 3
_FILES_NAMED: Final = 3
# A file is named among the largest only if it is at least this share of the main package.
_FILE_SHARE_NAMED: Final = 0.05


def by_language_level(context: CellContext) -> Hashable:
    return context.os.language_level if context.os is not None else None


def by_network(context: CellContext) -> Hashable:
    return context.network


def by_device(context: CellContext) -> Hashable:
    return context.device


def syntax_unsupported(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    if context.os is None:
        return
    level = context.os.level_rank
    for path, facts in parsed.loaded_scripts():
        for use in facts.features:
            if LANGUAGE_LEVELS.index(use.feature.level) <= level:
                continue
            more = f" (and {use.uses - 1} more in this file)" if use.uses > 1 else ""
            # The message names the feature's level, not the cell's, so cells of different
            # levels share one finding.
            yield Finding(
                model.SYNTAX_UNSUPPORTED,
                path,
                use.line,
                use.column,
                f"{use.feature.name} needs {use.feature.level}; an older engine cannot parse "
                f"this file at all{more}. Compile it to ES2017 or guard the OS versions.",
            )


def first_download_seconds(size: int, network: NetworkProfile) -> tuple[float, int]:
    """Seconds to download ``size`` bytes on a fresh connection over ``network``, and the
    round trips that takes: handshakes, then TCP slow start's doubling windows, plus the
    transfer at the network's bandwidth; lost packets are sent again."""
    windows = max(1, math.ceil(math.log2(size / INITIAL_WINDOW_BYTES + 1)))
    round_trips = SETUP_ROUND_TRIPS + windows
    transfer = size * 8 / (network.bandwidth_kbps * 1000)
    seconds = (round_trips * network.rtt_ms / 1000 + transfer) / (1 - network.loss)
    return seconds, round_trips


def slow_first_download(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    network = context.network
    # Offline, nothing downloads: the cell tests a package already on the device, which the
    # runtime rules cover.
    if network is None or network.offline:
        return
    size = parsed.sizes.main_package_bytes  # what opens the mini program the first time
    seconds, round_trips = first_download_seconds(size, network)
    # On a slow network even a small package waits out the handshakes and a first window
    # (nearly 3 s on 2g): only a wait the package itself makes most of is its finding.
    floor, _ = first_download_seconds(INITIAL_WINDOW_BYTES, network)
    if seconds <= DOWNLOAD_WARN_SECONDS or seconds - floor < seconds / 2:
        return
    severity: model.Severity = "fail" if seconds > DOWNLOAD_FAIL_SECONDS else "warn"
    limit = DOWNLOAD_FAIL_SECONDS if severity == "fail" else DOWNLOAD_WARN_SECONDS
    # The network's figures make one finding per network; what follows them depends on the
    # package alone, so the cells of a network still share one finding.
    yield Finding(
        model.SLOW_FIRST_DOWNLOAD,
        None,
        None,
        None,
        f"the main package ({_size(size)}) takes about {seconds:.1f} s to download over "
        f"{network.name} ({network.bandwidth_kbps} kbps, {network.rtt_ms} ms round trip, "
        f"{network.loss:.0%} loss; {round_trips} round trips), over {limit:.0f} s"
        f"{_largest_main_files(parsed)}; {_download_advice(parsed)}",
        severity,
    )


def _largest_main_files(parsed: ParsedPackage) -> str:
    """The main package's largest files by their size in the zip, which is what downloads:
    every entry, fonts and audio included."""
    roots = tuple(sub.root.strip("/") + "/" for sub in parsed.app.subpackages)
    sizes = [
        (size, path) for path, size in parsed.compressed_sizes.items() if not path.startswith(roots)
    ]
    ranked = sorted(sizes, key=lambda item: (-item[0], item[1]))
    # Files too small to matter are left out: the largest file is always named.
    floor = parsed.sizes.main_package_bytes * _FILE_SHARE_NAMED
    largest = ranked[:1] + [item for item in ranked[1:_FILES_NAMED] if item[0] >= floor]
    if not largest:
        return ""
    named = ", ".join(f"{path} ({_size(size)})" for size, path in largest)
    return f"; largest files: {named}"


def _download_advice(parsed: ParsedPackage) -> str:
    # A subpackage holds pages: a program of one page has nothing to move into one.
    if len(parsed.pages) <= 1:
        return "compress its assets or load them from a CDN"
    return "move pages into subpackages and load large assets from a CDN"


def image_too_large(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    for path, image in parsed.images.items():
        # Too wide to display matters where it is shown; too heavy, wherever it ships.
        shown = path in parsed.shown_images
        if shown and max(image.width, image.height) > IMAGE_MAX_SIDE_PX:
            yield Finding(
                model.IMAGE_TOO_LARGE,
                path,
                None,
                None,
                f"{image.width}x{image.height} px is over {IMAGE_MAX_SIDE_PX} px on a side: "
                "many devices cannot display it; scale it down",
            )
        elif image.bytes > IMAGE_MAX_BYTES:
            yield Finding(
                model.IMAGE_TOO_LARGE,
                path,
                None,
                None,
                f"{_size(image.bytes)} is over {_size(IMAGE_MAX_BYTES)}: it slows every "
                "download; compress it or load it from a CDN",
                "warn",
            )


def memory_risk(parsed: ParsedPackage, context: CellContext) -> Iterator[Finding]:
    device = context.device
    if device is None:
        return
    shown = {path: image for path, image in parsed.images.items() if path in parsed.shown_images}
    decoded = sum(image.decoded_bytes for image in shown.values())
    needed = decoded + parsed.sizes.total_bytes
    budget = device.app_memory_mb * MIB
    if needed <= budget * MEMORY_WARN_SHARE:
        return
    severity: model.Severity = "fail" if needed > budget else "warn"
    share = "over" if severity == "fail" else "over half of"
    yield Finding(
        model.MEMORY_RISK,
        None,
        None,
        None,
        f"decoded images ({_size(decoded)}) and the package ({_size(parsed.sizes.total_bytes)}) "
        f"need {_size(needed)}, {share} the {device.app_memory_mb} MB a {device.name} device "
        f"gives a mini program{_largest(shown)}",
        severity,
    )


def _largest(images: Mapping[str, ImageFacts]) -> str:
    if not images:
        return ""
    largest = sorted(images.items(), key=lambda item: (-item[1].decoded_bytes, item[0]))
    named = ", ".join(
        f"{path} ({image.width}x{image.height}, {_size(image.decoded_bytes)})"
        for path, image in largest[:_IMAGES_NAMED]
    )
    return f"; largest images: {named}"


def _size(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:.1f} MB"
    return f"{count / 1024:.0f} KB"


MORE_RULES: Final = (
    Rule(model.SYNTAX_UNSUPPORTED, syntax_unsupported, by_language_level),
    Rule(model.SLOW_FIRST_DOWNLOAD, slow_first_download, by_network),
    Rule(model.IMAGE_TOO_LARGE, image_too_large, same_everywhere),
    Rule(model.MEMORY_RISK, memory_risk, by_device),
)
