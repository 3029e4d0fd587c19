"""A caller may accept a text field besides the upload's own (the console's CSRF token):
received like the others, capped, and still refused when unknown to the caller."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from minirelease.errors import ValidationFailed
from minirelease.packages.receive import EXTRA_FIELD_CAP, ReceivedUpload, receive_upload
from tests.packages.test_receive import PACKAGE, Part, chunks, headers, multipart


def _receive(parts: list[Part], tmp_dir: Path, extra: tuple[str, ...]) -> ReceivedUpload:
    body = multipart(parts)
    return asyncio.run(
        receive_upload(
            headers(body), chunks(body), tmp_dir=tmp_dir, max_bytes=1 << 20, extra_fields=extra
        )
    )


def test_an_extra_field_is_received_with_the_others(tmp_path: Path) -> None:
    parts: list[Part] = [
        ("csrf_token", b"token-value", None),
        ("version", b"1.0.0", None),
        ("package", PACKAGE, "app.zip"),
    ]
    upload = _receive(parts, tmp_path, ("csrf_token",))
    assert upload.fields == {"csrf_token": "token-value", "version": "1.0.0"}
    upload.discard()


@pytest.mark.parametrize(
    ("extra", "parts", "message"),
    [
        ((), [("csrf_token", b"t", None), ("package", PACKAGE, "a.zip")], "unknown field"),
        (
            ("csrf_token",),
            [("csrf_token", b"t" * (EXTRA_FIELD_CAP + 1), None), ("package", PACKAGE, "a.zip")],
            "longer",
        ),
    ],
)
def test_an_extra_field_is_refused_unless_accepted_and_short(
    tmp_path: Path, extra: tuple[str, ...], parts: list[Part], message: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        _receive(parts, tmp_path, extra)
    assert raised.value.detail.startswith("csrf_token: ") and message in raised.value.detail
    assert not any(tmp_path.iterdir())
