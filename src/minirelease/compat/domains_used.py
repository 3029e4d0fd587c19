"""The domains a package calls, next to the whitelists they are checked against: what
"Apply to Release" shows beside the mini program's server and H5 domain whitelists.

Only the URLs the static analysis can read (literal or constant-folded strings handed to
a network JSAPI or a web-view) are known; a URL built at run time is not listed."""

from __future__ import annotations

from typing import Any

from minirelease.compat.domains_match import is_whitelisted
from minirelease.compat.model import Target
from minirelease.compat.parsed import ParsedPackage
from minirelease.compat.static_rules import loaded_urls
from minirelease.compat.urls import url_target

MAX_PLACES = 5


def domains_used(parsed: ParsedPackage, target: Target) -> list[dict[str, Any]]:
    """``[{host, whitelist: "server"|"h5", whitelisted, places: ["file:line", …]}]``, one
    entry per host and whitelist, sorted; at most ``MAX_PLACES`` places each (and their
    ``count``)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path, line, _column, via, text in loaded_urls(parsed):
        loaded = url_target(text)
        if loaded is None or loaded.raw_host is None:
            continue
        host = loaded.host or loaded.raw_host
        whitelist = "h5" if via == "<web-view>" else "server"
        entries = target.h5_domains if whitelist == "h5" else target.server_domains
        entry = found.setdefault(
            (whitelist, host),
            {
                "host": host,
                "whitelist": whitelist,
                "whitelisted": loaded.host is not None and is_whitelisted(loaded.host, entries),
                "places": [],
                "count": 0,
            },
        )
        entry["count"] += 1
        if len(entry["places"]) < MAX_PLACES:
            entry["places"].append(f"{path}:{line}")
    return [found[key] for key in sorted(found)]
