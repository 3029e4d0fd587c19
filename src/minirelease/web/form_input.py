"""Reading what console forms send: the entries of a one-per-line textarea, and a small
multipart form (an icon) read with a cap on its size, its CSRF token checked by the
handler (``csrf_in_body``) since the foundation's check would read a file part without
one."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from minirelease.errors import ValidationFailed
from minirelease.web import auth

# Room for the other fields, part headers and boundaries on top of the file itself.
FRAMING_ALLOWANCE = 16 * 1024


@dataclass(frozen=True)
class Line:
    """A non-blank line of a textarea: its text without surrounding blanks, and where it
    is (1-based), so an error can point at it."""

    number: int
    text: str


def entry_lines(text: str) -> list[Line]:
    return [
        Line(number, stripped)
        for number, raw in enumerate(text.splitlines(), start=1)
        if (stripped := raw.strip())
    ]


class _TooLarge(Exception):
    pass


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise _TooLarge
        yield chunk


async def read_small_form(
    request: Request, *, file_field: str, max_file_bytes: int, max_fields: int = 4
) -> FormData:
    """The multipart form of ``request`` with at most one file, refused as soon as the body
    passes ``max_file_bytes`` and a little framing; nothing larger is ever held."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationFailed(f"{file_field}: choose a file to upload", field=file_field)
    body = _capped(request.stream(), max_file_bytes + FRAMING_ALLOWANCE)
    parser = MultiPartParser(request.headers, body, max_files=1, max_fields=max_fields)
    try:
        return await parser.parse()
    except _TooLarge:
        raise ValidationFailed(
            f"{file_field}: the file is larger than {max_file_bytes:,} bytes", field=file_field
        ) from None
    except MultiPartException as exc:
        raise ValidationFailed(f"{file_field}: {exc.message}", field=file_field) from None


def check_form_token(request: Request, given: object) -> None:
    """For handlers marked ``csrf_in_body``: a token in the header was already checked
    (web/auth.py); otherwise the form's ``csrf_token`` field must match."""
    if request.headers.get(auth.CSRF_HEADER) is not None:
        return
    if not auth.tokens_match(
        auth.expected_csrf(request), given if isinstance(given, str) else None
    ):
        raise auth.CsrfFailed(
            "this form has expired or did not come from the console; reload the page and try again"
        )
