"""Canonical JSON: the one encoding of a value that is signed (packages' manifests,
partner apps' rollout manifests). A signature covers bytes, not values, so everything
signed is first encoded one way only: keys sorted, no insignificant whitespace, UTF-8
without escapes, no NaN or infinities, no floats."""

from __future__ import annotations

import json


def canonical_json(obj: object) -> bytes:
    """The one encoding of ``obj`` that is signed and stored. Floats are refused: their text
    form is not canonical across implementations, and nothing signed here needs them."""
    _refuse_floats(obj)
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _refuse_floats(obj: object) -> None:
    if isinstance(obj, float):
        raise TypeError(f"canonical JSON does not encode floats ({obj!r}); use integers")
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON needs string keys, got {key!r}")
            _refuse_floats(value)
    elif isinstance(obj, list | tuple):
        for item in obj:
            _refuse_floats(item)
