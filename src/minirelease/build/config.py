"""The build configuration of a release ("View Configuration", design §1 and §4).

Every input may come from an API body or a stored JSON column, so construction checks
types as well as values and each refusal is a ``ValidationFailed`` naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Final

from minirelease.errors import ValidationFailed

DEFAULT_BASE_LIBRARY_VERSION: Final = "2.9.0"
# MAJOR.MINOR.PATCH as in semver 2.0.0, without leading zeros. Pre-release tags are refused:
# a base library is a published runtime, and plain triples compare without surprises.
_SEMVER_CORE = re.compile(r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")


@dataclass(frozen=True)
class BuildConfiguration:
    minify_js: bool = True
    minify_css: bool = True
    base_library_version: str = DEFAULT_BASE_LIBRARY_VERSION
    # A v3 source map for each minified JS file, mapping every token to its line and column;
    # JS is then minified by the token minifier rather than rjsmin (see build/minify.py).
    source_maps: bool = False

    def __post_init__(self) -> None:
        for name in ("minify_js", "minify_css", "source_maps"):
            _checked_bool(name, getattr(self, name))
        _checked_semver("base_library_version", self.base_library_version)

    def to_dict(self) -> dict[str, bool | str]:
        return asdict(self)

    @classmethod
    def from_dict(
        cls, value: object, *, base: BuildConfiguration | None = None
    ) -> BuildConfiguration:
        """Keys given in ``value`` over ``base`` (the defaults unless given), so a client may
        send only what it changes; unknown keys are refused rather than ignored."""
        if not isinstance(value, Mapping):
            raise _refuse("configuration", f"expected an object, got {_type_name(value)}")
        known = [field.name for field in fields(cls)]
        unknown = sorted(str(key) for key in value if key not in known)
        if unknown:
            raise _refuse(
                "configuration",
                f"unknown key(s) {', '.join(unknown)}; expected {', '.join(known)}",
            )
        merged: dict[str, object] = {**(base or cls()).to_dict(), **value}
        return cls(
            minify_js=_checked_bool("minify_js", merged["minify_js"]),
            minify_css=_checked_bool("minify_css", merged["minify_css"]),
            base_library_version=_checked_semver(
                "base_library_version", merged["base_library_version"]
            ),
            source_maps=_checked_bool("source_maps", merged["source_maps"]),
        )


def _checked_bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _refuse(field, f"expected true or false, got {value!r} ({_type_name(value)})")
    return value


def _checked_semver(field: str, value: object) -> str:
    if not isinstance(value, str) or not _SEMVER_CORE.fullmatch(value):
        raise _refuse(
            field, f"{value!r} is not a version like '2.9.0' (MAJOR.MINOR.PATCH, digits only)"
        )
    return value


def _refuse(field: str, detail: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {detail}", field=field)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__
