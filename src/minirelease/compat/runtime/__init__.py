"""The runtime smoke test of the compatibility step (design §5, issue 4 item 2): a package's
lifecycle run in an embedded V8 per distinct (JSAPIs, network) of the matrix, in engine
processes of an ``EnginePool`` (issue 14), never in the process that asks.

``run_smoke`` runs one cell; ``runtime_rules`` adapts it to the analyzer."""

from minirelease.compat.model import RUNTIME_CRASHED, RUNTIME_RULE_IDS
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.pool import EnginePool, EngineStopped
from minirelease.compat.runtime.rules import runtime_rules
from minirelease.compat.runtime.smoke import Engine, run_smoke

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
