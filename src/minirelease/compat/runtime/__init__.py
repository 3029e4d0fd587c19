"""The runtime smoke test of the compatibility step (design §5, issue 4 item 2): a package's
lifecycle run in an embedded V8 per distinct (JSAPIs, network) of the matrix, in engine
processes of an ``EnginePool`` (issue 14), never in the process that asks.

``run_smoke`` runs one cell; ``runtime_rules`` adapts it to the analyzer.

The names below are loaded when first used: processes that only read the engine's limits
(every API server, through the settings and the lab) never load the analyzer, the parsers
and V8 this package's modules bring in."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minirelease.compat.model import RUNTIME_CRASHED, RUNTIME_RULE_IDS
    from minirelease.compat.runtime.network import Network
    from minirelease.compat.runtime.pool import EnginePool, EngineStopped
    from minirelease.compat.runtime.rules import runtime_rules
    from minirelease.compat.runtime.smoke import Engine, run_smoke

_MODULE_OF = {
    "RUNTIME_CRASHED": "minirelease.compat.model",
    "RUNTIME_RULE_IDS": "minirelease.compat.model",
    "Network": "minirelease.compat.runtime.network",
    "EnginePool": "minirelease.compat.runtime.pool",
    "EngineStopped": "minirelease.compat.runtime.pool",
    "runtime_rules": "minirelease.compat.runtime.rules",
    "Engine": "minirelease.compat.runtime.smoke",
    "run_smoke": "minirelease.compat.runtime.smoke",
}

__all__ = [
    "RUNTIME_CRASHED",
    "RUNTIME_RULE_IDS",
    "Engine",
    "EnginePool",
    "EngineStopped",
    "Network",
    "run_smoke",
    "runtime_rules",
]


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)
