"""Running JavaScript in the embedded V8 (mini-racer), as the compatibility lab does, so
the build tests check behaviour without a Node.js installation."""

from __future__ import annotations

import json

from py_mini_racer import MiniRacer, init_mini_racer


def evaluate(code: str, result: str) -> object:
    """Run ``code`` in a fresh V8 context and give back the expression ``result`` after it,
    through JSON. A syntax or runtime error raises (mini-racer's ``JSEvalException``)."""
    init_mini_racer(ignore_duplicate_init=True)
    engine = MiniRacer()
    try:
        return json.loads(engine.eval(f"{code}\n;JSON.stringify({result})"))
    finally:
        engine.close()
