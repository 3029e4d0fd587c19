"""A hostile package cannot reach the host, and its memory and time are bounded."""

from __future__ import annotations

import pytest

from tests.compat.runtime.programs import smoke

ESCAPES = {
    "require-fs": "require('fs').readFileSync('/etc/passwd');",
    "require-absolute": "require('/etc/passwd');",
    "require-outside": "require('../../../../etc/passwd');",
    "process": "process.exit(1);",
    "fetch": "fetch('http://127.0.0.1/');",
    "xhr": "new XMLHttpRequest().open('GET', 'http://127.0.0.1/');",
    "global-require": "globalThis.require('child_process');",
}


@pytest.mark.parametrize("attempt", sorted(ESCAPES))
def test_host_access_fails_inside_the_engine(attempt: str) -> None:
    findings = smoke({"app.js": f"App({{ onLaunch() {{\n  {ESCAPES[attempt]}\n}} }});\n"})
    assert [(f.rule, f.file, f.line) for f in findings] == [("runtime-exception", "app.js", 2)]


def test_dynamic_import_of_an_outside_path_is_refused() -> None:
    script = (
        "App({ onLaunch() {\n"
        "  return import('/etc/passwd').then(() => { globalThis.leak = 1; });\n} });\n"
    )
    findings = smoke({"app.js": script}, pages=())
    assert [(f.rule, f.file) for f in findings] == [("unhandled-rejection", "app.js")]
    assert "Cannot find module '/etc/passwd'" in findings[0].message


def test_memory_bomb_is_contained_and_reported() -> None:
    bomb = (
        "App({ onLaunch() {\n  const hog = [];\n"
        "  for (;;) hog.push(new Array(1e6).fill(0.5));\n} });\n"
    )
    findings = smoke({"app.js": bomb}, pages=(), time_budget_ms=20_000, step_budget_ms=20_000)
    assert [(f.rule, f.file) for f in findings] == [("runtime-exception", "app.js")]
    assert "memory limit" in findings[0].message
    # The host survives and the next engine is fresh.
    assert smoke({"app.js": "App({});\n"}, pages=()) == []


def test_huge_array_buffers_fail_inside_the_engine() -> None:
    script = (
        "App({ onLaunch() {\n  const b = [];\n"
        "  for (let i = 0; i < 64; i++) b.push(new Uint8Array(2 ** 30));\n} });\n"
    )
    findings = smoke({"app.js": script}, pages=())
    assert [(f.rule, f.line) for f in findings] == [("runtime-exception", 3)]
