"""Canonical JSON: the one encoding of a value that is signed. A signature covers bytes, not
values, so everything signed is first encoded one way only. Two encodings:

- ``jcs_json``: RFC 8785, the JSON Canonicalization Scheme, which any language can
  reproduce (the JavaScript SDK uses the ``canonicalize`` package, the reference
  implementation). Partner apps' rollout manifests are signed over it (issue 13).
- ``canonical_json``: Python's ``json.dumps(sort_keys=True)`` without whitespace or ASCII
  escapes. Packages' ``manifest.json`` files are these bytes (a package signature covers
  the file as stored, so any language checks it as bytes), and rollout manifests were
  signed over it before JCS; it orders keys by code point where JCS orders them by UTF-16
  code unit, so only Python re-encodes a value into it exactly.

Both refuse floats (nothing signed here needs them, and their text form is the first thing
implementations disagree on); JCS also refuses integers beyond 2**53 - 1, which a
JavaScript number cannot hold exactly, and strings that are not valid Unicode."""

from __future__ import annotations

import json
from typing import Any, Final, cast

import rfc8785

JCS: Final = "jcs"  # the name an envelope gives RFC 8785 in its "canonicalization" field

# rfc8785's errors for what JCS cannot encode (lone surrogates; integers past 2**53 - 1, a
# subclass): ValueErrors.
CanonicalizationError = rfc8785.CanonicalizationError
IntegerDomainError = rfc8785.IntegerDomainError
_JCS_INT_MAX: Final = 2**53 - 1


def jcs_json(obj: object) -> bytes:
    """RFC 8785 bytes of ``obj``. Raises ``TypeError`` for a float or a non-string key and
    ``CanonicalizationError`` for what JCS cannot encode.

    ``rfc8785`` is the definition, but it is pure Python: on a 10,000-program manifest it
    took about 4 times as long as the C encoder of ``json`` (0.5 s). For integers,
    strings, booleans and null, the two write the same bytes (the same escapes, no ASCII
    escaping) and differ only in the order of keys: JCS sorts by UTF-16 code unit, ``json``
    by code point, which agree on ASCII. So a value whose keys are all ASCII, as every
    manifest's are, is written by ``json``, and any other by ``rfc8785``
    (tests/resolver/test_canonical.py compares both on awkward values)."""
    try:
        if _check(obj, jcs=True):
            return _sorted_keys_json(obj)
        return rfc8785.dumps(cast(Any, obj))  # a JSON value: _check walked it
    except UnicodeEncodeError as exc:  # an unpaired surrogate (rfc8785 lets one in a key out)
        raise CanonicalizationError("input contains non-UTF-8 codepoints") from exc


def canonical_json(obj: object) -> bytes:
    """The sorted-keys encoding of ``obj`` (packages' manifests; rollout manifests before
    JCS). Floats are refused: their text form is not canonical across implementations."""
    _check(obj, jcs=False)
    return _sorted_keys_json(obj)


def _sorted_keys_json(obj: object) -> bytes:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _check(obj: object, *, jcs: bool) -> bool:
    """Refuses floats and non-string keys, and for JCS integers past 2**53 - 1. True when
    every key in ``obj`` is ASCII."""
    if isinstance(obj, float):
        raise TypeError(f"canonical JSON does not encode floats ({obj!r}); use integers")
    if isinstance(obj, int):
        if jcs and not -_JCS_INT_MAX <= obj <= _JCS_INT_MAX:
            raise IntegerDomainError(obj)
        return True
    ascii_keys = True
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON needs string keys, got {key!r}")
            ascii_keys = _check(value, jcs=jcs) and key.isascii() and ascii_keys
    elif isinstance(obj, list | tuple):
        for item in obj:
            ascii_keys = _check(item, jcs=jcs) and ascii_keys
    return ascii_keys
