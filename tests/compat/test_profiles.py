"""The OS, network and device profiles as data: the shipped defaults, their validation, and
the matrix built from them (narrowed by name, unknown names refused)."""

from __future__ import annotations

from typing import Any

import pytest

from minirelease.compat.matrix import Matrix, build_matrix
from minirelease.compat.profiles import (
    DEFAULT_PROFILES,
    LANGUAGE_LEVELS,
    default_profiles,
    profile_set,
    validate_profile,
)
from minirelease.errors import ValidationFailed
from minirelease.partners.defaults import shipped_profile

OS_VERSIONS = shipped_profile("super_app")["os_versions"]


def test_the_defaults_cover_android_7_to_15_and_ios_12_to_18_with_rising_levels() -> None:
    profiles = default_profiles()
    names = list(profiles.os)
    assert names == [f"android-{v}" for v in range(7, 16)] + [f"ios-{v}" for v in range(12, 19)]
    for platform in ("android", "ios"):
        levels = [
            LANGUAGE_LEVELS.index(os.language_level)
            for os in profiles.os.values()
            if os.platform == platform
        ]
        assert levels == sorted(levels)
    assert profiles.os["android-7"].language_level == "ES2017"
    assert profiles.os["android-10"].language_level == "ES2020"
    assert list(profiles.networks) == ["wifi", "4g", "3g", "2g", "offline"]
    assert [n.name for n in profiles.networks.values() if n.offline] == ["offline"]
    assert list(profiles.devices) == ["low", "mid", "high"]
    assert profiles.os_for("android", "14.2") == profiles.os["android-14"]
    assert profiles.os_for("android", "6") is None


@pytest.mark.parametrize(
    ("kind", "name", "data", "message"),
    [
        ("os", "android-x", {"language_level": "ES2020", "engine": "e"}, "platform and version"),
        ("os", "android-16", {"language_level": "ES2030", "engine": "e"}, "not a language level"),
        ("os", "ios-19", {"language_level": "ES2023"}, "missing key(s) engine"),
        ("network", "5g", {"bandwidth_kbps": 1, "rtt_ms": 1, "loss": 2}, "0 to 1"),
        ("network", "5g", {"bandwidth_kbps": -1, "rtt_ms": 1, "loss": 0}, "bandwidth_kbps"),
        ("network", "5g", {"bandwidth_kbps": 10, "rtt_ms": 1, "loss": 1}, "offline"),
        ("network", "5g", {"bandwidth_kbps": True, "rtt_ms": 1, "loss": 0}, "whole number"),
        ("network", "Fast Net", {"bandwidth_kbps": 1, "rtt_ms": 1, "loss": 0}, "profile name"),
        (
            "device",
            "tiny",
            {"memory_mb": 512, "app_memory_mb": 1024, "screen": {"width": 1, "height": 1}},
            "exceeds data.memory_mb",
        ),
        (
            "device",
            "tiny",
            {"memory_mb": 512, "app_memory_mb": 64, "screen": {"width": 1}, "gpu": 1},
            "unknown key(s) gpu",
        ),
        ("device", "tiny", [], "expected an object"),
    ],
)
def test_invalid_profiles_are_refused_with_the_problem_named(
    kind: Any, name: str, data: Any, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_profile(kind, name, data)
    assert message in str(refused.value)


def test_profile_sets_refuse_unknown_kinds() -> None:
    with pytest.raises(ValidationFailed, match="not a profile kind"):
        profile_set({"browser": {}})


def test_the_default_matrix_is_every_os_network_and_device() -> None:
    matrix = build_matrix("super", OS_VERSIONS, default_profiles())
    cells = matrix.cells()
    assert len(cells) == 16 * 5 * 3
    assert cells[0].id == "super/android-7/wifi/low" and cells[-1].id == "super/ios-18/offline/high"
    assert Matrix.from_json(matrix.to_json()) == matrix


def test_a_narrowed_matrix_keeps_the_matrix_order() -> None:
    matrix = build_matrix(
        "super",
        OS_VERSIONS,
        default_profiles(),
        os=["ios-17", "android-9"],
        networks=["offline", "3g"],
        devices=["low"],
    )
    assert [cell.id for cell in matrix.cells()] == [
        "super/android-9/3g/low",
        "super/android-9/offline/low",
        "super/ios-17/3g/low",
        "super/ios-17/offline/low",
    ]
    stored = matrix.to_json()
    assert stored["os_versions"] == {"android": ["9"], "ios": ["17"]}
    assert set(stored["profiles"]["network"]) == {"3g", "offline"}


@pytest.mark.parametrize(
    ("narrowing", "message"),
    [
        ({"os": ["android-6"]}, "'android-6' is not supported by partner app 'super'"),
        ({"networks": ["5g", "wifi"]}, "'5g' is not a network"),
        ({"devices": ["tablet"]}, "'tablet' is not a device"),
        ({"devices": []}, "list at least one"),
    ],
)
def test_unknown_names_are_refused(narrowing: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        build_matrix("super", OS_VERSIONS, default_profiles(), **narrowing)
    assert message in str(refused.value)


def test_an_os_version_without_a_profile_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="android-6 has no OS profile"):
        build_matrix("old", {"android": ["6", "7"]}, default_profiles())


def test_the_shipped_defaults_are_valid_json_data() -> None:
    for kind, profiles in DEFAULT_PROFILES.items():
        for name, data in profiles.items():
            assert validate_profile(kind, name, data).name == name
