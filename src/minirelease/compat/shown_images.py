"""The images a program can show: those whose file name its loadable code, templates or
styles mention (``<image src="/images/logo.png">``, ``url(../bg.jpg)``, a path in a
script), or whose folder they name as the start of a computed path (``'/icons/' + name``).
An image nothing names, such as a README's screenshots shipped beside the code, is never
decoded on a device: it counts towards the download, not towards memory or display."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping


def shown_images(
    images: Iterable[str], files: Mapping[str, bytes], loadable: Iterable[str]
) -> frozenset[str]:
    texts = [files[path] for path in loadable if path in files and not _is_binary(path)]
    shown = set()
    for image in images:
        name = posixpath.basename(image).encode()
        folder = posixpath.dirname(image)
        prefix = f"{folder}/".encode() if folder else None
        if any(name in text or (prefix is not None and prefix in text) for text in texts):
            shown.add(image)
    return frozenset(shown)


def _is_binary(path: str) -> bool:
    return not path.endswith((".js", ".axml", ".json", ".acss", ".sjs"))
