"""Real lab and engine processes shared by the whole test session: starting a process
costs about half a second, and hundreds of tests run compatibility runs or JavaScript.
tests/conftest.py closes them at the end; tests about the processes themselves (crashes,
limits, recycling) make their own.

``REPLAYING_LAB`` runs in ``SHARED_LAB`` what it has not seen and replays what it has
(tests/replaying_lab.py): the ``client`` and ``shared_app`` fixtures use it. Suites about
the compatibility runs themselves (progress, cancel, failures) keep the real lab with
``from tests.engines import real_compat_lab``, which overrides ``client``'s lab."""

from __future__ import annotations

import pytest

from minirelease.compat.lab import CompatibilityLab
from minirelease.compat.runtime import EnginePool
from tests.replaying_lab import ReplayingLab

SHARED_ENGINE = EnginePool(2)
SHARED_LAB = CompatibilityLab(2)
REPLAYING_LAB = ReplayingLab(SHARED_LAB)


@pytest.fixture(name="compat_lab")
def real_compat_lab() -> CompatibilityLab:
    """The lab of the ``client`` fixture's app, in a module that imports this: the real
    one."""
    return SHARED_LAB


def close_shared() -> None:
    REPLAYING_LAB.close()  # and SHARED_LAB, whose processes it uses
    SHARED_ENGINE.close()
