"""A small mini program project and ways to zip it, shared by the build tests."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minirelease.build.signing import Signer

APP_JS = b"""/* The app's entry point. */
App({
  // Called once when the mini program starts.
  onLaunch(options) {
    console.log( 'launched' , options ) ;
  },
});
"""

INDEX_JS = b"""/**
 * The home page.
 */
Page({
  data: { greeting : "hello   world", pattern : /a  b/g },

  onLoad() {
    // Navigate after a tick.
    my.navigateTo( { url: '/sub/pages/detail/detail' } ) ;
  },
});
"""

INDEX_ACSS = b"""/* page styles */
.greeting  {
  color : #ff0000 ;
  margin : 0 auto ;
}

.title { font-size : 32rpx ; }
"""

PROJECT: dict[str, bytes] = {
    "app.json": json.dumps(
        {
            "pages": ["pages/index/index"],
            "subPackages": [{"root": "sub", "pages": ["pages/detail/detail"]}],
        },
        indent=2,
    ).encode(),
    "app.js": APP_JS,
    "app.acss": b"page { background : #fff ; }\n",
    "styles/reset.css": b"/*! reset v1 | MIT */\nhtml , body { margin : 0 ; }\n",
    "pages/index/index.axml": b'<view class="greeting">{{greeting}}</view>\n',
    "pages/index/index.js": INDEX_JS,
    "pages/index/index.acss": INDEX_ACSS,
    "pages/index/index.json": b'{ "defaultTitle": "Home" }\n',
    "sub/pages/detail/detail.axml": b"<view>detail</view>\n",
    "sub/pages/detail/detail.js": b"Page({ /* nothing yet */ });\n",
    "images/logo.png": bytes(range(256)) * 8,
    "pages/ünïcode/名前.axml": b"<view>unicode name</view>\n",
}

JUNK: dict[str, bytes] = {
    "__MACOSX/._app.js": b"\x00\x05\x16\x07 apple double",
    "__MACOSX/pages/._index": b"\x00\x05\x16\x07",
    ".DS_Store": b"Bud1 finder data",
    "pages/.DS_Store": b"Bud1",
    "images/Thumbs.db": b"thumbnail cache",
    "._app.json": b"\x00\x05\x16\x07",
}


def write_zip(
    path: Path,
    files: Mapping[str, bytes],
    *,
    order: Sequence[str] | None = None,
    date_time: tuple[int, int, int, int, int, int] = (2024, 5, 17, 9, 30, 12),
    mode: int = 0o644,
    compression: int = zipfile.ZIP_DEFLATED,
    folders: Sequence[str] = (),
) -> Path:
    """``files`` zipped in ``order`` (default: as given) with the metadata given; a real
    upload differs from another with the same files in exactly these ways."""
    with zipfile.ZipFile(path, "w") as archive:
        for folder in folders:
            info = zipfile.ZipInfo(folder, date_time=date_time)
            info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, b"")
        for name in order if order is not None else list(files):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.external_attr = mode << 16
            info.compress_type = compression
            archive.writestr(info, files[name])
    return path


def new_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())
