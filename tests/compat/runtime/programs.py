"""Helpers for the smoke-test corpus: a package from a few scripts, and the networks."""

from __future__ import annotations

from typing import Any, Final

from minirelease.compat.model import Finding
from minirelease.compat.runtime import run_smoke
from tests.engines import SHARED_ENGINE

WIFI: Final = {"name": "wifi", "bandwidth_kbps": 30000, "rtt_ms": 40, "loss": 0.0, "offline": False}
SLOW_2G: Final = {"name": "2g", "bandwidth_kbps": 50, "rtt_ms": 800, "loss": 0.0, "offline": False}
OFFLINE: Final = {"name": "offline", "bandwidth_kbps": 1, "rtt_ms": 0, "loss": 0.0, "offline": True}
JSAPIS: Final = frozenset(
    {"my.request", "my.getStorageSync", "my.setStorageSync", "my.showToast", "my.getSystemInfo"}
)
EMPTY_APP: Final = "App({});\n"


def smoke(
    scripts: dict[str, str],
    *,
    pages: tuple[str, ...] = ("pages/index/index",),
    network: dict[str, Any] = WIFI,
    jsapis: frozenset[str] = JSAPIS,
    time_budget_ms: int = 3000,
    step_budget_ms: int = 3000,
) -> list[Finding]:
    files = {"app.js": EMPTY_APP.encode()} | {p: s.encode() for p, s in scripts.items()}
    return run_smoke(
        files,
        pages=pages,
        jsapis=jsapis,
        network=network,
        engine=SHARED_ENGINE,
        time_budget_ms=time_budget_ms,
        step_budget_ms=step_budget_ms,
    )


def where(findings: list[Finding]) -> list[tuple[str, str | None, int | None]]:
    return [(finding.rule, finding.file, finding.line) for finding in findings]
