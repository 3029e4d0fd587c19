"""Size limits of design §4 on the compressed entries of a built package."""

from __future__ import annotations

import pytest

from minirelease.build.limits import (
    MAIN_PACKAGE,
    WHOLE_PACKAGE,
    SizeReport,
    check_limits,
    limit_violations,
    measure_sizes,
)
from minirelease.errors import PackageInvalid
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS, MIB, PackageLimits

ROOTS = ["packageA", "packageB"]


def sizes(main: int, a: int = 0, b: int = 0) -> dict[str, int]:
    return {
        "app.js": main // 2,
        "pages/index/index.js": main - main // 2,
        "packageA/pages/x/x.js": a,
        "packageB/pages/y/y.js": b,
    }


def test_files_belong_to_the_subpackage_whose_root_holds_them() -> None:
    report = measure_sizes(
        {
            "app.js": 10,
            "manifest.json": 5,
            "packageA/pages/a.js": 20,
            "packageA/img.png": 1,
            "packageAB/pages/b.js": 7,  # a different folder, not under packageA
            "nested/inner/c.js": 3,
            "nested/d.js": 4,
        },
        ["packageA", "/nested/", "./nested/inner", "unused"],
    )
    assert report == SizeReport(
        main_package_bytes=22,
        subpackage_bytes={"nested": 4, "nested/inner": 3, "packageA": 21, "unused": 0},
        total_bytes=50,
    )


def test_within_limits_returns_the_report() -> None:
    report = measure_sizes(sizes(2 * MIB, 2 * MIB, 2 * MIB), ROOTS)
    assert check_limits(report, DEFAULT_PACKAGE_LIMITS) is report
    assert limit_violations(report, DEFAULT_PACKAGE_LIMITS) == []


def refusal(report: SizeReport, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS) -> PackageInvalid:
    with pytest.raises(PackageInvalid) as caught:
        check_limits(report, limits)
    assert caught.value.rule == "package-too-large"
    return caught.value


def test_main_package_over_its_limit() -> None:
    error = refusal(measure_sizes(sizes(2 * MIB + 1), ROOTS))
    assert error.entry == MAIN_PACKAGE
    assert error.detail == (
        "main package is 2,097,153 bytes (2.00 MiB) after build; "
        "the partner app allows 2,097,152 bytes (2.00 MiB) (main_package_bytes)"
    )


def test_one_subpackage_over_its_limit() -> None:
    error = refusal(measure_sizes(sizes(1000, a=100, b=3 * MIB), ROOTS))
    assert error.entry == "packageB"
    assert error.detail.startswith("subpackage 'packageB' is 3,145,728 bytes (3.00 MiB)")
    assert "(subpackage_bytes)" in error.detail


def test_total_over_its_limit() -> None:
    report = measure_sizes(sizes(2 * MIB, 2 * MIB, 2 * MIB), ROOTS)
    limits = PackageLimits(
        main_package_bytes=2 * MIB, subpackage_bytes=2 * MIB, total_bytes=5 * MIB
    )
    error = refusal(report, limits)
    assert error.entry == WHOLE_PACKAGE
    assert "whole package is 6,291,456 bytes (6.00 MiB)" in error.detail
    assert "allows 5,242,880 bytes (5.00 MiB) (total_bytes)" in error.detail


def test_every_violation_is_listed_in_a_fixed_order() -> None:
    report = measure_sizes(sizes(30, a=30, b=5), ROOTS)
    limits = PackageLimits(main_package_bytes=10, subpackage_bytes=10, total_bytes=50)
    found = [(v.entry, v.limit_name, v.size, v.limit) for v in limit_violations(report, limits)]
    assert found == [
        (MAIN_PACKAGE, "main_package_bytes", 30, 10),
        ("packageA", "subpackage_bytes", 30, 10),
        (WHOLE_PACKAGE, "total_bytes", 65, 50),
    ]
    assert refusal(report, limits).entry == MAIN_PACKAGE


def test_a_root_naming_no_folder_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="names no folder"):
        measure_sizes({"a.js": 1}, ["/"])
