"""One pool of real engine processes for the whole test session: starting a process costs
about 0.3 s, and hundreds of tests run JavaScript. tests/conftest.py closes it at the end;
tests about the pool itself (crashes, limits, recycling) make pools of their own."""

from __future__ import annotations

from minirelease.compat.runtime import EnginePool

SHARED_ENGINE = EnginePool(2)
