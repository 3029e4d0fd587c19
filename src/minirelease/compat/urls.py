"""Reading the statically known part of a URL: the page a navigation names, and the scheme
and host a network call or web-view reaches. Pure string work, no I/O."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Final

from minirelease.compat.syntax import StaticText
from minirelease.miniprograms.domains import InvalidDomain, normalize_domain

INSECURE_SCHEMES: Final = frozenset({"http", "ws"})
SECURE_SCHEMES: Final = frozenset({"https", "wss"})
# Schemes whose URLs have a host after any mix of '/' and '\' (WHATWG "special" schemes).
_SPECIAL_SCHEMES: Final = INSECURE_SCHEMES | SECURE_SCHEMES
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_TAB_OR_NEWLINE: Final = re.compile(r"[\t\n\r]")
_AUTHORITY_END: Final = re.compile(r"[/\\?#]")


def page_path(text: StaticText) -> str | None:
    """The path of a navigation URL (before ``?``), or None when part of it is computed."""
    path, question, _ = text.prefix.partition("?")
    return path if question or text.complete else None


def resolve_page(path: str, from_file: str) -> str | None:
    """``path`` as a page path from the package root: absolute paths start at the root,
    others at ``from_file``'s folder. None when it climbs out of the package."""
    parts = [] if path.startswith("/") else from_file.split("/")[:-1]
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return posixpath.join(*parts) if parts else ""


@dataclass(frozen=True)
class UrlTarget:
    """What is known of where a URL leads. ``host`` is the normalized host when the whole
    host is known and is a valid public host name; ``host_problem`` says why not otherwise
    (None as well when the host is simply not known statically)."""

    scheme: str
    host: str | None = None
    host_problem: str | None = None
    raw_host: str | None = None

    @property
    def insecure(self) -> bool:
        return self.scheme in INSECURE_SCHEMES

    @property
    def secure(self) -> bool:
        return self.scheme in SECURE_SCHEMES


def url_target(text: StaticText) -> UrlTarget | None:
    """Scheme and host of a URL, as a browser would parse them; None when not even the
    scheme is known or the scheme has no host (a relative URL, ``data:``)."""
    url = _TAB_OR_NEWLINE.sub("", text.prefix).lstrip("\x00 \x0c\x0b")
    if text.complete:
        url = url.rstrip("\x00 \x0c\x0b")
    match = _SCHEME.match(url)
    if match is None:
        return None
    scheme = match.group(1).lower()
    if scheme not in _SPECIAL_SCHEMES:
        return None
    rest = url[match.end() :].lstrip("/\\")
    end = _AUTHORITY_END.search(rest)
    if end is None and not text.complete:
        return UrlTarget(scheme)  # the host may go on in the computed part
    authority = rest if end is None else rest[: end.start()]
    raw_host = authority.rpartition("@")[2]  # user info is not part of the host
    if raw_host.startswith("["):
        return UrlTarget(scheme, host_problem="an IP address", raw_host=raw_host)
    raw_host = raw_host.partition(":")[0]  # the port
    if "*" in raw_host:  # would otherwise read as a whitelist wildcard
        return UrlTarget(scheme, host_problem="a wildcard is not a host name", raw_host=raw_host)
    try:
        return UrlTarget(scheme, host=normalize_domain(raw_host), raw_host=raw_host)
    except InvalidDomain as exc:
        return UrlTarget(scheme, host_problem=exc.reason, raw_host=raw_host)
