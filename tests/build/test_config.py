"""Build configuration: defaults, round trips, partial updates and every refusal."""

from __future__ import annotations

import pytest

from minirelease.build.config import BuildConfiguration
from minirelease.errors import ValidationFailed


def test_defaults_and_round_trip() -> None:
    config = BuildConfiguration()
    assert config.to_dict() == {
        "minify_js": True,
        "minify_css": True,
        "base_library_version": "2.9.0",
        "source_maps": False,
    }
    assert BuildConfiguration.from_dict(config.to_dict()) == config
    changed = BuildConfiguration(False, False, "10.0.12", True)
    assert BuildConfiguration.from_dict(changed.to_dict()) == changed


def test_keys_left_out_keep_the_base_values() -> None:
    base = BuildConfiguration(minify_css=False, base_library_version="2.10.0")
    assert BuildConfiguration.from_dict({"source_maps": True}, base=base) == BuildConfiguration(
        minify_css=False, base_library_version="2.10.0", source_maps=True
    )
    assert BuildConfiguration.from_dict({}) == BuildConfiguration()


def refusal(value: object) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        BuildConfiguration.from_dict(value)
    return caught.value


def test_unknown_keys_are_named() -> None:
    error = refusal({"minify_js": True, "minify_html": True, "sourcemaps": True})
    assert error.detail == (
        "configuration: unknown key(s) minify_html, sourcemaps; "
        "expected minify_js, minify_css, base_library_version, source_maps"
    )


@pytest.mark.parametrize("value", [None, [], "minify", 1])
def test_a_non_object_is_refused(value: object) -> None:
    assert refusal(value).detail.startswith("configuration: expected an object, got ")


@pytest.mark.parametrize("field", ["minify_js", "minify_css", "source_maps"])
@pytest.mark.parametrize("value", ["true", 1, 0, None])
def test_flags_must_be_booleans(field: str, value: object) -> None:
    error = refusal({field: value})
    assert error.detail == f"{field}: expected true or false, got {value!r} " + (
        f"({'null' if value is None else type(value).__name__})"
    )
    assert error.extra == {"field": field}


@pytest.mark.parametrize(
    "value", ["2.9", "2.9.0.1", "v2.9.0", "02.9.0", "2.09.0", "2.9.0-beta", " 2.9.0", "", 290, None]
)
def test_base_library_version_must_be_major_minor_patch(value: object) -> None:
    error = refusal({"base_library_version": value})
    assert error.detail.startswith(f"base_library_version: {value!r} is not a version like")


@pytest.mark.parametrize("value", ["0.0.0", "2.9.0", "10.20.300"])
def test_valid_versions(value: str) -> None:
    assert BuildConfiguration(base_library_version=value).base_library_version == value


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValidationFailed, match="minify_js"):
        BuildConfiguration(minify_js="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="base_library_version"):
        BuildConfiguration(base_library_version="latest")
