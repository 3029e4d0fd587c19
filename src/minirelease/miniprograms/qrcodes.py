"""QR codes of a mini program on a partner app (design §1 "Next steps", §9): the rules for a
request, the deep link a code holds, and rendering it. Pure: no database, no HTTP; the use
case that decides what a code may point at is ``releases/qrcodes.py``.

A code holds the partner app's deep link: its template (partners/profile.py) with
``{app_id}``, ``{page}`` and ``{query}`` replaced by the mini program's app id, the page
path and the launch query, each percent-encoded as one URL component (``/``, ``=`` and
``&`` included), the way Alipay-style hosts expect ``page`` and ``query``. Characters
outside ASCII in the template itself are percent-encoded as UTF-8, so every deep link is
plain ASCII (a URI, fit for an HTTP header).

- ``promo`` opens what is online: the query is the caller's, as given.
- ``preview`` and ``trial`` open one built release. The query is the caller's followed by
  ``mr_kind=<kind>&mr_release=<release id>&mr_version=<version>``, so the partner app
  knows which release to open (its package is that release's build) and whether a tester
  or the team asked. Keys starting with ``mr_`` are reserved: a caller's query may not use
  them, so no promo code can pass for a preview."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, quote, urlencode

import segno

from minirelease.errors import Conflict, ValidationFailed

MAX_PAGE_CHARS: Final = 256
MAX_QUERY_CHARS: Final = 64
RESERVED_QUERY_PREFIX: Final = "mr_"
# Ids are ``prefix_`` and 26 base32 characters (ids.py); anything else names nothing.
_ID = re.compile(r"[a-z]{1,10}_[0-9a-z]{26}")
_PLACEHOLDER = re.compile(r"\{(app_id|page|query)\}")
# Kept as they are in a template's literal parts: printable ASCII, '%' included, so a
# template may hold escapes of its own.
_ASCII_SAFE: Final = "".join(chr(c) for c in range(0x21, 0x7F))
# Controls, lone surrogates and line or paragraph separators: never part of a query.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
# One QR module in pixels (PNG) or user units (SVG), and the quiet zone around the code in
# modules: 4 is what ISO/IEC 18004 asks for.
SCALE: Final = 8
BORDER: Final = 4
PAGES_SHOWN: Final = 10


class Kind(StrEnum):
    PROMO = "promo"
    PREVIEW = "preview"
    TRIAL = "trial"


class ImageFormat(StrEnum):
    PNG = "png"
    SVG = "svg"


_E = TypeVar("_E", Kind, ImageFormat)

CONTENT_TYPES: Final = {ImageFormat.PNG: "image/png", ImageFormat.SVG: "image/svg+xml"}


@dataclass(frozen=True)
class QrRequest:
    kind: Kind
    page: str | None
    query: str | None
    release_id: str | None


@dataclass(frozen=True)
class QrCode:
    """What a code holds and what it points at."""

    deep_link: str
    kind: Kind
    mini_program_id: str
    app_id: str
    partner_app: str
    page: str | None
    query: str | None  # the caller's part of the launch query
    release_id: str
    version: str

    def filename(self, image_format: ImageFormat) -> str:
        return f"{self.app_id}-{self.partner_app}-{self.kind.value}.{image_format.value}"


def _refuse(field: str, detail: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {detail}", field=field)


def _choice(field: str, value: object, enum: type[_E]) -> _E:
    if isinstance(value, str) and value in {member.value for member in enum}:
        return enum(value)
    allowed = ", ".join(member.value for member in enum)
    raise _refuse(field, f"{str(value)[:40]!r} is not one of {allowed}")


def check_kind(value: object) -> Kind:
    return _choice("kind", value, Kind)


def check_format(value: object) -> ImageFormat:
    return _choice("format", value, ImageFormat)


def check_page_length(page: str | None) -> str | None:
    """The page as asked for (``None`` or empty: the mini program's home page). Whether it
    is one of the program's pages is ``check_page``'s, once the version is known."""
    if not page:
        return None
    if len(page) > MAX_PAGE_CHARS:
        raise _refuse("page", f"{len(page)} characters; at most {MAX_PAGE_CHARS} are allowed")
    return page


def check_query(query: str | None) -> str | None:
    """The caller's launch query, such as ``from=poster&id=7`` (``None`` or empty: none)."""
    if not query:
        return None
    if len(query) > MAX_QUERY_CHARS:
        raise _refuse("query", f"{len(query)} characters; at most {MAX_QUERY_CHARS} are allowed")
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in query):
        raise _refuse("query", "control characters and line separators are not allowed")
    reserved = sorted(
        {
            key
            for key, _ in parse_qsl(query, keep_blank_values=True)
            if key.startswith(RESERVED_QUERY_PREFIX)
        }
    )
    if reserved:
        raise _refuse(
            "query",
            f"keys starting with {RESERVED_QUERY_PREFIX!r} are reserved for preview and trial "
            f"codes: {', '.join(reserved)}",
        )
    return query


def check_request(
    *, kind: object, page: str | None, query: str | None, release_id: str | None
) -> QrRequest:
    """Everything about a request that needs no data, each refusal naming its field."""
    checked = check_kind(kind)
    if release_id and checked is Kind.PROMO:
        raise _refuse(
            "release_id",
            "only preview and trial codes name a release; a promo code opens what is online",
        )
    return QrRequest(
        kind=checked,
        page=check_page_length(page),
        query=check_query(query),
        release_id=release_id or None,
    )


def looks_like_id(value: str) -> bool:
    """Whether ``value`` could be an id at all: anything else is simply not found."""
    return _ID.fullmatch(value) is not None


def version_pages(app_json: Mapping[str, Any]) -> tuple[str, ...]:
    """The pages of a version as a host opens them: the main package's, then each
    subpackage's under its root (as app.json was recorded, see packages/appjson.py)."""
    pages = [str(page) for page in app_json.get("pages", [])]
    for sub in app_json.get("subPackages", []):
        pages += [f"{sub['root']}/{page}" for page in sub.get("pages", [])]
    return tuple(pages)


def check_page(page: str | None, pages: Sequence[str], *, version: str) -> str | None:
    if page is None or page in pages:
        return page
    shown = ", ".join(pages[:PAGES_SHOWN]) + (", …" if len(pages) > PAGES_SHOWN else "")
    raise _refuse("page", f"{page!r} is not a page of version {version} (its pages: {shown})")


def launch_query(kind: Kind, query: str | None, *, release_id: str, version: str) -> str:
    """The query the deep link carries: the caller's, and for preview and trial what to
    open."""
    if kind is Kind.PROMO:
        return query or ""
    naming = urlencode(
        [
            (f"{RESERVED_QUERY_PREFIX}kind", kind.value),
            (f"{RESERVED_QUERY_PREFIX}release", release_id),
            (f"{RESERVED_QUERY_PREFIX}version", version),
        ]
    )
    return f"{query}&{naming}" if query else naming


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def deep_link(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each placeholder replaced by its value encoded as one URL
    component."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(quote(template[position : match.start()], safe=_ASCII_SAFE))
        parts.append(quote(values.get(match.group(1), ""), safe=""))
        position = match.end()
    parts.append(quote(template[position:], safe=_ASCII_SAFE))
    return "".join(parts)


def _refuse_unless_carried(template: str, partner_app: str, name: str, asked: bool) -> None:
    """Refuse a page or query the partner app's deep link has no placeholder for."""
    if asked and name not in placeholders(template):
        raise _refuse(
            name,
            f"the deep link of partner app {partner_app!r} has no {{{name}}}, so a code for "
            f"it cannot carry a {name}",
        )


def qrcode(
    request: QrRequest,
    *,
    template: str,
    partner_app: str,
    mini_program_id: str,
    app_id: str,
    release_id: str,
    version: str,
    pages: Sequence[str],
) -> QrCode:
    """The code for ``request`` pointing at ``release_id`` (the online release for promo),
    whose version has ``pages``."""
    page = check_page(request.page, pages, version=version)
    _refuse_unless_carried(template, partner_app, "page", page is not None)
    _refuse_unless_carried(template, partner_app, "query", request.query is not None)
    if request.kind is not Kind.PROMO and "query" not in placeholders(template):
        raise Conflict(
            f"the deep link of partner app {partner_app!r} has no {{query}}, so it cannot "
            f"name the release a {request.kind.value} code opens; ask the platform to add it",
            partner_app=partner_app,
        )
    query = launch_query(request.kind, request.query, release_id=release_id, version=version)
    link = deep_link(template, {"app_id": app_id, "page": page or "", "query": query})
    return QrCode(
        deep_link=link,
        kind=request.kind,
        mini_program_id=mini_program_id,
        app_id=app_id,
        partner_app=partner_app,
        page=page,
        query=request.query,
        release_id=release_id,
        version=version,
    )


def render(qr: QrCode, image_format: ImageFormat | str) -> bytes:
    """The code as a PNG or SVG image: error correction M at least (raised when the
    data leaves room), black on white, with the standard quiet zone."""
    kind = check_format(image_format)
    code = segno.make(qr.deep_link, error="m", micro=False)
    out = io.BytesIO()
    if kind is ImageFormat.PNG:
        code.save(out, kind="png", scale=SCALE, border=BORDER)
    else:
        code.save(out, kind="svg", scale=SCALE, border=BORDER, xmldecl=True, svgclass=None)
    return out.getvalue()
