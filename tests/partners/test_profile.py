"""The pure partner app rules: each accepts good values and refuses bad ones with a
message naming the field and the offending value."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from minirelease.errors import ValidationFailed
from minirelease.partners import profile
from minirelease.partners.defaults import shipped_profile

MIB = 1024 * 1024


def refusal(call: Any, *args: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize("code", ["ab", "alipay-hk", "gcash", "w2", "a" + "b" * 39])
def test_good_codes_are_kept(code: str) -> None:
    assert profile.validate_code(code) == code


@pytest.mark.parametrize(
    "code",
    [
        "a",
        "Alipay",
        "2wallet",
        "-wallet",
        "wal_let",
        "wal let",
        "a" + "b" * 40,
        "wallet\n",
        7,
        None,
    ],
)
def test_bad_codes_are_refused_naming_field_and_value(code: object) -> None:
    error = refusal(profile.validate_code, code)
    assert error.detail.startswith("code: ")
    assert error.extra["field"] == "code"
    assert str(code).strip() in error.detail or code is None


def test_names_are_stripped_and_bounded() -> None:
    assert profile.validate_name("  Acme Wallet ") == "Acme Wallet"
    for bad in ("", "   ", "x" * 101, "two\nlines", 5):
        assert refusal(profile.validate_name, bad).detail.startswith("name: ")


@pytest.mark.parametrize(
    "template",
    [
        "wallet://mini?appId={app_id}",
        "wallet://mini?appId={app_id}&page={page}&query={query}",
        "https://m.example.com/open/{app_id}/{page}",
        "gcash+mini://launch?id={app_id}",
    ],
)
def test_good_deep_link_templates(template: str) -> None:
    assert profile.validate_deep_link_template(template) == template


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("wallet://mini?page={page}", "must contain {app_id}"),
        ("mini?appId={app_id}", "has no scheme"),
        ("://mini?appId={app_id}", "has no scheme"),
        ("wallet://{app_id}?u={user_id}", "unknown placeholder(s) {user_id}"),
        ("wallet://{app_id}?p={0}", "unknown placeholder(s) {0}"),
        ("wallet://{app_id}?p={}", "unknown placeholder(s) {}"),
        ("wallet://{app_id}?p={page", "unmatched"),
        ("wallet://{app_id}?p=page}", "unmatched"),
        ("wallet://{{app_id}}", "unmatched"),
        ("wallet://mini?appId={app_id} &x=1", "without spaces"),
        ("", "without spaces"),
        ("wallet://" + "x" * 500 + "{app_id}", "without spaces"),
    ],
)
def test_bad_deep_link_templates(template: str, problem: str) -> None:
    error = refusal(profile.validate_deep_link_template, template)
    assert error.detail.startswith("deep_link_template: ")
    assert problem in error.detail
    if template:
        assert template[:40] in error.detail


def test_deep_link_template_must_be_a_string() -> None:
    error = refusal(profile.validate_deep_link_template, ["wallet://{app_id}"])
    assert error.detail == "deep_link_template: expected a string, got list"


def test_package_limits_default_to_design_values() -> None:
    assert profile.validate_package_limits({}) == {
        "main_package_bytes": 2 * MIB,
        "subpackage_bytes": 2 * MIB,
        "total_bytes": 8 * MIB,
    }


def test_package_limits_override_only_what_is_given() -> None:
    base = profile.validate_package_limits({"total_bytes": 16 * MIB})
    limits = profile.validate_package_limits({"main_package_bytes": 4 * MIB}, base=base)
    assert limits == {
        "main_package_bytes": 4 * MIB,
        "subpackage_bytes": 2 * MIB,
        "total_bytes": 16 * MIB,
    }
    assert profile.validate_package_limits({"total_bytes": 64 * MIB})["total_bytes"] == 64 * MIB


@pytest.mark.parametrize(
    ("limits", "field", "problem"),
    [
        ({"total_bytes": 0}, "package_limits.total_bytes", "0 must be between 1 and"),
        ({"total_bytes": -5}, "package_limits.total_bytes", "-5 must be between 1 and"),
        ({"total_bytes": 64 * MIB + 1}, "package_limits.total_bytes", "67108865 must be"),
        ({"total_bytes": "8MB"}, "package_limits.total_bytes", 'got "8MB"'),
        ({"total_bytes": 8.5}, "package_limits.total_bytes", "got 8.5"),
        ({"main_package_bytes": True}, "package_limits.main_package_bytes", "got true"),
        ({"main_package_bytes": None}, "package_limits.main_package_bytes", "got null"),
        ({"main_package_bytes": 9 * MIB}, "package_limits.main_package_bytes", "exceeds"),
        ({"total_bytes": MIB}, "package_limits.main_package_bytes", "2097152 exceeds"),
        (
            {"subpackage_bytes": 9 * MIB, "main_package_bytes": 1},
            "package_limits.subpackage_bytes",
            "9437184 exceeds package_limits.total_bytes (8388608)",
        ),
        ({"max_entries": 5}, "package_limits", "unknown limit(s) max_entries"),
        ([1, 2, 3], "package_limits", "expected an object, got list"),
    ],
)
def test_bad_package_limits(limits: object, field: str, problem: str) -> None:
    error = refusal(profile.validate_package_limits, limits)
    assert error.extra["field"] == field
    assert error.detail.startswith(f"{field}: ")
    assert problem in error.detail


@pytest.mark.parametrize("days", [1, 15, 90])
def test_good_grayscale_deadlines(days: int) -> None:
    assert profile.validate_grayscale_deadline_days(days) == days


@pytest.mark.parametrize(("days", "shown"), [(0, "0"), (91, "91"), ("15", '"15"'), (True, "true")])
def test_bad_grayscale_deadlines(days: object, shown: str) -> None:
    error = refusal(profile.validate_grayscale_deadline_days, days)
    assert error.detail == (
        f"grayscale_deadline_days: {shown} must be a whole number of days, 1 to 90"
    )


def test_block_on_failing_report_is_a_boolean() -> None:
    assert profile.validate_block_on_failing_report(True) is True
    error = refusal(profile.validate_block_on_failing_report, "yes")
    assert error.detail == 'block_on_failing_report: expected true or false, got "yes"'


def good_profile() -> dict[str, Any]:
    return {
        "jsapis": ["my.request", "my.ap.navigateToAlipayPage", "my.$custom_1"],
        "components": ["view", "scroll-view", "swiper-item"],
        "os_versions": {"android": ["7", "14.2"], "ios": ["18"]},
    }


def test_a_good_profile_is_returned_as_given() -> None:
    assert profile.validate_capability_profile(good_profile()) == good_profile()


def test_profile_may_name_a_single_platform_and_empty_capability_lists() -> None:
    lean = {"jsapis": [], "components": [], "os_versions": {"ios": ["17"]}}
    assert profile.validate_capability_profile(lean) == lean


def with_change(path: tuple[str, ...], value: object) -> dict[str, Any]:
    data = copy.deepcopy(good_profile())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ("view", "capability_profile", "expected an object, got str"),
        ({"jsapis": [], "components": []}, "capability_profile", "missing key(s) os_versions"),
        ({**good_profile(), "devices": []}, "capability_profile", "unknown key(s) devices"),
        (with_change(("jsapis",), "my.request"), "capability_profile.jsapis", "expected a list"),
        (
            with_change(("jsapis",), ["my.request", "wx.request"]),
            "capability_profile.jsapis[1]",
            '"wx.request" is not a JSAPI name',
        ),
        (with_change(("jsapis",), ["my."]), "capability_profile.jsapis[0]", "not a JSAPI"),
        (with_change(("jsapis",), ["my..a"]), "capability_profile.jsapis[0]", "not a JSAPI"),
        (with_change(("jsapis",), ["my.1a"]), "capability_profile.jsapis[0]", "not a JSAPI"),
        (with_change(("jsapis",), ["my"]), "capability_profile.jsapis[0]", "not a JSAPI"),
        (with_change(("jsapis",), [42]), "capability_profile.jsapis[0]", "42 is not a JSAPI"),
        (
            with_change(("jsapis",), ["my.request", "my.alert", "my.request"]),
            "capability_profile.jsapis[2]",
            '"my.request" duplicates "my.request"',
        ),
        (
            with_change(("jsapis",), ["my.request"] * 1001),
            "capability_profile.jsapis",
            "1001 entries; at most 1000",
        ),
        (
            with_change(("components",), ["view", "ScrollView"]),
            "capability_profile.components[1]",
            '"ScrollView" is not a component name',
        ),
        (
            with_change(("components",), ["scroll--view"]),
            "capability_profile.components[0]",
            "not a component name",
        ),
        (
            with_change(("components",), ["view", "view"]),
            "capability_profile.components[1]",
            '"view" duplicates "view"',
        ),
        (
            with_change(("os_versions",), ["14"]),
            "capability_profile.os_versions",
            "expected an object of platform → versions, got list",
        ),
        (
            with_change(("os_versions", "windows"), ["11"]),
            "capability_profile.os_versions",
            "unknown platform(s) windows; known: android, ios",
        ),
        (
            with_change(("os_versions", "ios"), ["fourteen"]),
            "capability_profile.os_versions.ios[0]",
            '"fourteen" is not an OS version',
        ),
        (
            with_change(("os_versions", "ios"), ["14.2.1"]),
            "capability_profile.os_versions.ios[0]",
            "is not an OS version",
        ),
        (
            with_change(("os_versions", "android"), ["14", "14.0"]),
            "capability_profile.os_versions.android[1]",
            '"14.0" duplicates "14"',
        ),
        (
            with_change(("os_versions", "android"), []),
            "capability_profile.os_versions.android",
            "list at least one version",
        ),
        (
            with_change(("os_versions",), {}),
            "capability_profile.os_versions",
            "support at least one OS version",
        ),
    ],
)
def test_bad_profiles_name_the_entry(data: object, field: str, problem: str) -> None:
    error = refusal(profile.validate_capability_profile, data)
    assert error.extra["field"] == field
    assert error.detail.startswith(f"{field}: ")
    assert problem in error.detail


def test_long_values_are_shortened_in_messages() -> None:
    error = refusal(profile.validate_code, "x" * 10_000)
    assert len(error.detail) < 300
    assert "…" in error.detail


@pytest.mark.parametrize("kind", ["super_app", "wallet", "lean_wallet"])
def test_shipped_profiles_pass_the_rules(kind: str) -> None:
    shipped = shipped_profile(kind)
    assert profile.validate_capability_profile(shipped) == shipped
