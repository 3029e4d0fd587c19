"""Server and H5 domain whitelists (design §1 step 3, §7): https host names only,
an optional leading ``*.`` wildcard label, no IP literals, at most 200 entries per list.

Entries are normalized to the bare lowercase ASCII host (``*.`` kept, punycode for
international names) so that equal hosts compare equal and duplicates can be refused."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import idna

from minirelease.errors import ValidationFailed

MAX_ENTRIES = 200
MAX_LABEL_LENGTH = 63
MAX_HOST_LENGTH = 253

# IDNA (RFC 3490 §3.1) treats these as label separators too.
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_LABEL = re.compile(r"[a-z0-9-]+")
# WHATWG URL: a host whose last label is a number (decimal or 0x-hex) parses as IPv4,
# so "127.1", "0x7f.0.0.1" and "2130706433" all reach 127.0.0.1.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


class InvalidDomain(ValueError):
    """One entry broke one rule; ``rule`` is a stable name, ``reason`` says it for people."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


def normalize_domain(entry: str) -> str:
    """Return the entry as a bare lowercase host (``*.`` kept, punycode for non-ASCII
    labels), or raise ``InvalidDomain`` naming the first rule it breaks."""
    host = _strip_url_syntax(entry.strip())
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if "*" in host:
        raise InvalidDomain("wildcard", "a wildcard is allowed only as the whole first label: *.")
    labels = [_ascii_label(label) for label in _split_labels(host)]
    _check_labels(labels, wildcard)
    normalized = ("*." if wildcard else "") + ".".join(labels)
    if len(normalized) > MAX_HOST_LENGTH:
        raise InvalidDomain(
            "host_length",
            f"the host name is {len(normalized)} characters long; at most "
            f"{MAX_HOST_LENGTH} are allowed",
        )
    return normalized


@dataclass(frozen=True)
class EntryProblem:
    """One refused entry of a whitelist: where it is, what it is, and why."""

    index: int
    entry: str
    rule: str
    reason: str


def whitelist_problems(list_name: str, entries: Sequence[str]) -> list[EntryProblem]:
    """Every refused entry of a whitelist, in order (empty: the list is valid), so a form
    can show each bad entry next to its field. The list as a whole (too many entries) is
    ``validate_whitelist``'s to refuse."""
    return _check_entries(list_name, entries)[1]


def validate_whitelist(list_name: str, entries: Sequence[str]) -> list[str]:
    """Normalize a whole whitelist or raise ``ValidationFailed`` naming the list, the index
    and the entry at fault. The list is all or nothing: one bad entry refuses it."""
    if len(entries) > MAX_ENTRIES:
        raise ValidationFailed(
            f"{list_name} has {len(entries)} entries; at most {MAX_ENTRIES} are allowed",
            field=list_name,
            rule="too_many_entries",
        )
    normalized, problems = _check_entries(list_name, entries)
    if problems:
        first = problems[0]
        raise _refusal(list_name, first.index, first.entry, first.rule, first.reason)
    return normalized


def _check_entries(list_name: str, entries: Sequence[str]) -> tuple[list[str], list[EntryProblem]]:
    """The valid entries normalized, and a problem for each refused one."""
    normalized: list[str] = []
    problems: list[EntryProblem] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(entries):
        try:
            host = normalize_domain(entry)
        except InvalidDomain as exc:
            problems.append(EntryProblem(index, entry, exc.rule, exc.reason))
            continue
        if host in first_index:
            reason = f"duplicates {list_name}[{first_index[host]}] (both are {host!r})"
            problems.append(EntryProblem(index, entry, "duplicate", reason))
            continue
        first_index[host] = index
        normalized.append(host)
    return normalized, problems


def _refusal(list_name: str, index: int, entry: str, rule: str, reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"{list_name}[{index}] {entry!r}: {reason}",
        field=list_name,
        index=index,
        entry=entry,
        rule=rule,
    )


def _strip_url_syntax(entry: str) -> str:
    """Accept ``https://host`` and ``host/``; refuse everything else a URL could add."""
    if not entry:
        raise InvalidDomain("empty", "the entry is empty")
    scheme, separator, rest = entry.partition("://")
    if separator:
        if scheme.lower() != "https":
            raise InvalidDomain("scheme", f"only https is allowed, not {scheme.lower()}://")
        entry = rest
    entry = entry.removesuffix("/")
    if "@" in entry:
        raise InvalidDomain("userinfo", "user info (user@host) is not allowed")
    if entry.startswith("[") or entry.count(":") > 1:
        raise InvalidDomain("ip_address", "IP address literals are not allowed (IPv6)")
    for char, rule, what in (
        ("/", "path", "paths"),
        ("?", "query", "query strings"),
        ("#", "fragment", "fragments"),
    ):
        if char in entry:
            raise InvalidDomain(rule, f"{what} are not allowed; give the host name only")
    _, colon, after = entry.partition(":")
    if colon and (after.isdigit() or not after):
        raise InvalidDomain("port", "ports are not allowed; https uses 443")
    if colon:
        raise InvalidDomain("scheme", "only https:// URLs or bare host names are allowed")
    # A fully qualified name's trailing dot names the same host.
    host = entry.removesuffix(".").lower()
    if not host:
        raise InvalidDomain("empty", "the entry has no host name")
    return host


def _split_labels(host: str) -> list[str]:
    labels = _DOTS.split(host)
    if any(not label for label in labels):
        raise InvalidDomain("empty_label", "the host name has an empty label (..)")
    return labels


def _ascii_label(label: str) -> str:
    """Non-ASCII labels become punycode under IDNA 2008 with UTS 46 mapping, as browsers
    do (``straße`` stays distinct from ``strasse``); ``xn--`` labels must decode."""
    try:
        if not label.isascii():
            return idna.encode(label, uts46=True).decode("ascii")
        if label.startswith("xn--"):
            idna.decode(label)
    except idna.IDNAError as exc:
        raise InvalidDomain(
            "idna", f"the label {label!r} is not a valid internationalized name ({exc})"
        ) from None
    return label


def _check_labels(labels: list[str], wildcard: bool) -> None:
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise InvalidDomain("ip_address", "IP address literals are not allowed (IPv4)")
    if labels[-1] == "localhost":  # and its subdomains (RFC 6761)
        raise InvalidDomain("localhost", "localhost is not a public host name")
    for label in labels:
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidDomain(
                "label_length",
                f"the label {label[:20]!r}… is {len(label)} characters long; at most "
                f"{MAX_LABEL_LENGTH} are allowed",
            )
        if not _LABEL.fullmatch(label):
            bad = next(c for c in label if not _LABEL.fullmatch(c))
            raise InvalidDomain(
                "invalid_character",
                f"the character {bad!r} is not allowed in a host name "
                "(letters, digits and hyphens only)",
            )
        if label.startswith("-") or label.endswith("-"):
            raise InvalidDomain("hyphen", f"the label {label!r} starts or ends with a hyphen")
    if len(labels) < 2:
        after = "after *. " if wildcard else ""
        raise InvalidDomain(
            "too_few_labels",
            f"a host name needs at least two labels {after}(e.g. example.com)",
        )
