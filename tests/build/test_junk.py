"""Which zip entries are OS clutter the build drops."""

from __future__ import annotations

import pytest

from minirelease.build.junk import junk_reason


@pytest.mark.parametrize(
    ("name", "junk"),
    [
        ("__MACOSX/", True),
        ("__MACOSX/._app.js", True),
        ("pages/__MACOSX/x.js", True),
        (".DS_Store", True),
        ("pages/index/.DS_Store", True),
        ("THUMBS.DB", True),
        ("images/desktop.ini", True),
        ("pages/._index.js", True),
        ("app.js", False),
        ("pages/__MACOSX.js", False),
        ("pages/index/DS_Store.js", False),
        ("pages/index/", False),
    ],
)
def test_junk_reason(name: str, junk: bool) -> None:
    assert (junk_reason(name) is not None) is junk
