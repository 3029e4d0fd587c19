"""Real lab and engine processes shared by the whole test session: starting a process
costs about half a second, and hundreds of tests run compatibility runs or JavaScript.
tests/conftest.py closes them at the end; tests about the processes themselves (crashes,
limits, recycling) make their own."""

from __future__ import annotations

from minirelease.compat.lab import CompatibilityLab
from minirelease.compat.runtime import EnginePool

SHARED_ENGINE = EnginePool(2)
SHARED_LAB = CompatibilityLab(2)


def close_shared() -> None:
    SHARED_LAB.close()
    SHARED_ENGINE.close()
