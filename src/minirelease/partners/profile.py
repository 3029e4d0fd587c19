"""Pure rules for a partner app's settings: its code, deep-link template, package limits,
grayscale deadline and capability profile. Every input may come from an API body, the
demo or a file, so each validator checks types as well as values, and each refusal is a
``ValidationFailed`` whose message names the field and the offending value."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Mapping
from typing import Final

from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from minirelease.errors import ValidationFailed

CODE_PATTERN: Final = re.compile(r"[a-z][a-z0-9-]{1,39}")
NAME_MAX_CHARS: Final = 100

TEMPLATE_MAX_CHARS: Final = 500
REQUIRED_PLACEHOLDER: Final = "app_id"
PLACEHOLDERS: Final = ("app_id", "page", "query")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

MIB: Final = 1024 * 1024
# Far above any real mini program (design §4 defaults are 2 and 8 MiB), low enough that a
# typo cannot make a limit meaningless.
MAX_PACKAGE_BYTES: Final = 64 * MIB


class PackageLimits(TypedDict):
    main_package_bytes: int
    subpackage_bytes: int
    total_bytes: int


PACKAGE_LIMIT_KEYS: Final = ("main_package_bytes", "subpackage_bytes", "total_bytes")
DEFAULT_PACKAGE_LIMITS: Final = PackageLimits(
    main_package_bytes=2 * MIB, subpackage_bytes=2 * MIB, total_bytes=8 * MIB
)

DEFAULT_GRAYSCALE_DEADLINE_DAYS: Final = 15
GRAYSCALE_DEADLINE_RANGE: Final = (1, 90)


class CapabilityProfile(TypedDict):
    jsapis: list[str]
    components: list[str]
    os_versions: dict[str, list[str]]


PROFILE_KEYS: Final = ("jsapis", "components", "os_versions")
OS_PLATFORMS: Final = ("android", "ios")
# Bounds the size of one profile; real ones list a few hundred JSAPIs at most.
MAX_PROFILE_ENTRIES: Final = 1000
_IDENTIFIER = r"[A-Za-z_$][A-Za-z0-9_$]*"
JSAPI_PATTERN: Final = re.compile(rf"my(?:\.{_IDENTIFIER})+")
COMPONENT_PATTERN: Final = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
OS_VERSION_PATTERN: Final = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3})?")
ENTRY_MAX_CHARS: Final = 100


def _refuse(field: str, detail: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {detail}", field=field)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _show(value: object, limit: int = 80) -> str:
    """``value`` as the JSON a client sent it, shortened so a huge value cannot flood the
    message."""
    shown = json.dumps(value, ensure_ascii=False, default=repr)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def validate_code(value: object) -> str:
    if not isinstance(value, str) or not CODE_PATTERN.fullmatch(value):
        raise _refuse(
            "code",
            f"{_show(value)} is not a partner app code: 2 to 40 characters, lower-case letters, "
            "digits and dashes, starting with a letter (e.g. 'alipay-hk')",
        )
    return value


def validate_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(
            "name", f"{_show(value)} is not a name: give 1 to {NAME_MAX_CHARS} characters"
        )
    name = value.strip()
    if len(name) > NAME_MAX_CHARS or not name.isprintable():
        raise _refuse(
            "name", f"{_show(name)} must be 1 to {NAME_MAX_CHARS} printable characters on one line"
        )
    return name


def validate_deep_link_template(value: object) -> str:
    field = "deep_link_template"
    if not isinstance(value, str):
        raise _refuse(field, f"expected a string, got {_type_name(value)}")
    if (
        not value
        or len(value) > TEMPLATE_MAX_CHARS
        or not value.isprintable()
        or any(c.isspace() for c in value)
    ):
        raise _refuse(
            field,
            f"{_show(value)} must be 1 to {TEMPLATE_MAX_CHARS} printable characters without spaces",
        )
    if not _SCHEME.match(value):
        raise _refuse(
            field, f"{_show(value)} has no scheme: start it like 'wallet://…' or 'https://…'"
        )
    names = _PLACEHOLDER.findall(value)
    outside_placeholders = _PLACEHOLDER.sub("", value)
    if "{" in outside_placeholders or "}" in outside_placeholders:
        raise _refuse(field, f"{_show(value)} has an unmatched '{{' or '}}'")
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise _refuse(
            field,
            f"{_show(value)} uses unknown placeholder(s) "
            f"{', '.join(f'{{{name}}}' for name in unknown)}; allowed: {allowed}",
        )
    if REQUIRED_PLACEHOLDER not in names:
        raise _refuse(field, f"{_show(value)} must contain {{{REQUIRED_PLACEHOLDER}}}")
    return value


def validate_package_limits(value: object, *, base: PackageLimits | None = None) -> PackageLimits:
    """Limits given in ``value`` over ``base`` (the design §4 defaults unless given), so a
    partner app may override just the limits it cares about."""
    if not isinstance(value, Mapping):
        raise _refuse("package_limits", f"expected an object, got {_type_name(value)}")
    unknown = sorted(str(key) for key in value if key not in PACKAGE_LIMIT_KEYS)
    if unknown:
        raise _refuse(
            "package_limits",
            f"unknown limit(s) {', '.join(unknown)}; expected {', '.join(PACKAGE_LIMIT_KEYS)}",
        )
    start = base if base is not None else DEFAULT_PACKAGE_LIMITS
    limits = PackageLimits(
        main_package_bytes=_limit(value, "main_package_bytes", start["main_package_bytes"]),
        subpackage_bytes=_limit(value, "subpackage_bytes", start["subpackage_bytes"]),
        total_bytes=_limit(value, "total_bytes", start["total_bytes"]),
    )
    total = limits["total_bytes"]
    for key, size in (
        ("main_package_bytes", limits["main_package_bytes"]),
        ("subpackage_bytes", limits["subpackage_bytes"]),
    ):
        if size > total:
            raise _refuse(
                f"package_limits.{key}", f"{size} exceeds package_limits.total_bytes ({total})"
            )
    return limits


def _limit(given: Mapping[object, object], key: str, fallback: int) -> int:
    if key not in given:
        return fallback
    field, value = f"package_limits.{key}", given[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(field, f"expected a whole number of bytes, got {_show(value)}")
    if not 1 <= value <= MAX_PACKAGE_BYTES:
        raise _refuse(field, f"{value} must be between 1 and {MAX_PACKAGE_BYTES} (64 MiB)")
    return value


def validate_block_on_failing_report(value: object) -> bool:
    if not isinstance(value, bool):
        raise _refuse("block_on_failing_report", f"expected true or false, got {_show(value)}")
    return value


def validate_grayscale_deadline_days(value: object) -> int:
    low, high = GRAYSCALE_DEADLINE_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(
            "grayscale_deadline_days",
            f"{_show(value)} must be a whole number of days, {low} to {high}",
        )
    return value


def validate_capability_profile(value: object) -> CapabilityProfile:
    field = "capability_profile"
    if not isinstance(value, Mapping):
        raise _refuse(field, f"expected an object, got {_type_name(value)}")
    unknown = sorted(str(key) for key in value if key not in PROFILE_KEYS)
    missing = [key for key in PROFILE_KEYS if key not in value]
    if unknown or missing:
        problems = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
        problems += [f"missing key(s) {', '.join(missing)}"] if missing else []
        raise _refuse(field, f"{'; '.join(problems)}; expected {', '.join(PROFILE_KEYS)}")
    return CapabilityProfile(
        jsapis=_unique_strings(
            f"{field}.jsapis",
            value["jsapis"],
            lambda s: bool(JSAPI_PATTERN.fullmatch(s)) and len(s) <= ENTRY_MAX_CHARS,
            "is not a JSAPI name like 'my.request' or 'my.ap.navigateToAlipayPage'",
        ),
        components=_unique_strings(
            f"{field}.components",
            value["components"],
            lambda s: bool(COMPONENT_PATTERN.fullmatch(s)) and len(s) <= ENTRY_MAX_CHARS,
            "is not a component name: lower-case letters, digits and dashes (e.g. 'scroll-view')",
        ),
        os_versions=_os_versions(f"{field}.os_versions", value["os_versions"]),
    )


def _os_versions(field: str, value: object) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        raise _refuse(field, f"expected an object of platform → versions, got {_type_name(value)}")
    unknown = sorted(str(key) for key in value if key not in OS_PLATFORMS)
    if unknown:
        raise _refuse(
            field, f"unknown platform(s) {', '.join(unknown)}; known: {', '.join(OS_PLATFORMS)}"
        )
    versions: dict[str, list[str]] = {}
    for platform in OS_PLATFORMS:
        if platform not in value:
            continue
        listed = _unique_strings(
            f"{field}.{platform}",
            value[platform],
            lambda s: bool(OS_VERSION_PATTERN.fullmatch(s)),
            "is not an OS version like '14' or '14.2'",
            key=_version_key,
        )
        if not listed:
            raise _refuse(
                f"{field}.{platform}", "list at least one version, or leave the platform out"
            )
        versions[platform] = listed
    if not versions:
        raise _refuse(field, f"support at least one OS version ({' or '.join(OS_PLATFORMS)})")
    return versions


def _version_key(version: str) -> Hashable:
    # "14" and "14.0" are the same version.
    parts = [int(part) for part in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _unique_strings(
    field: str,
    value: object,
    is_valid: Callable[[str], bool],
    invalid: str,
    *,
    key: Callable[[str], Hashable] = lambda s: s,
) -> list[str]:
    if not isinstance(value, list):
        raise _refuse(field, f"expected a list, got {_type_name(value)}")
    if len(value) > MAX_PROFILE_ENTRIES:
        raise _refuse(field, f"{len(value)} entries; at most {MAX_PROFILE_ENTRIES} are allowed")
    seen: dict[Hashable, str] = {}
    for index, item in enumerate(value):
        if not isinstance(item, str) or not is_valid(item):
            raise _refuse(f"{field}[{index}]", f"{_show(item)} {invalid}")
        if key(item) in seen:
            raise _refuse(f"{field}[{index}]", f"{_show(item)} duplicates {_show(seen[key(item)])}")
        seen[key(item)] = item
    return list(value)
