"""Whether a host is covered by a domain whitelist (design §1 step 3). Entries and hosts are
normalized as ``miniprograms.domains.normalize_domain`` leaves them: lower-case ASCII, no
trailing dot. ``*.example.com`` covers every deeper subdomain (``a.example.com``,
``a.b.example.com``) but not ``example.com`` itself."""

from __future__ import annotations

from collections.abc import Iterable


def host_matches(host: str, entry: str) -> bool:
    if entry.startswith("*."):
        # ".example.com": at least one label before it, so never example.com itself.
        return host.endswith(entry[1:])
    return host == entry


def is_whitelisted(host: str, entries: Iterable[str]) -> bool:
    return any(host_matches(host, entry) for entry in entries)
