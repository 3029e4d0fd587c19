"""What a manifest's signature covers (issue 13, item 6): RFC 8785 (JCS), named by the
envelope's ``canonicalization``, and during the change the sorted-keys JSON of servers
before it, for envelopes without the field. ``jcs_json`` writes exactly what ``rfc8785``
writes, and the server signs with it."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import rfc8785

from minirelease.resolver import ManifestInvalid, SignatureInvalid, load_manifest
from minirelease.resolver.canonical import canonical_json, jcs_json
from minirelease.rollout.manifest import sign_manifest
from tests.resolver import signed

SIGNER = signed.new_signer()
KEY = SIGNER.public_key_raw_b64()
# App ids where the two forms order keys differently: U+FB01 sorts after U+1F600 by code
# point and before it by UTF-16 code unit (a surrogate pair starts at U+D83D).
AWKWARD = signed.manifest(
    {
        "\ufb01": signed.entry(signed.package("rel_a")),
        "😀": signed.entry(signed.package("rel_b"), signed.candidate("rel_c", basis_points=3750)),
        "2021000000000001": signed.entry(removed=True),
    }
)


def test_the_two_forms_differ_where_it_matters() -> None:
    assert jcs_json(AWKWARD) == rfc8785.dumps(AWKWARD) != canonical_json(AWKWARD)


def test_a_jcs_envelope_verifies() -> None:
    envelope = signed.envelope(AWKWARD, SIGNER)
    manifest = load_manifest(json.dumps(envelope), KEY)
    assert set(manifest.mini_programs) == set(AWKWARD["mini_programs"])


def test_an_envelope_signed_before_jcs_still_verifies() -> None:
    legacy = signed.legacy_envelope(AWKWARD, SIGNER)
    assert "canonicalization" not in legacy
    assert load_manifest(json.dumps(legacy), KEY).serial == AWKWARD["serial"]


def test_each_form_verifies_only_as_itself() -> None:
    """A JCS signature labelled as the old form, or the other way round, checks other bytes."""
    jcs = signed.envelope(AWKWARD, SIGNER)
    legacy = signed.legacy_envelope(AWKWARD, SIGNER)
    relabelled_old = {k: v for k, v in jcs.items() if k != "canonicalization"}
    with pytest.raises(SignatureInvalid, match="does not match"):
        load_manifest(json.dumps(relabelled_old), KEY)
    with pytest.raises(SignatureInvalid, match="does not match"):
        load_manifest(json.dumps(legacy | {"canonicalization": "jcs"}), KEY)


@pytest.mark.parametrize(
    ("changed", "error", "message"),
    [
        ({"canonicalization": "JCS"}, SignatureInvalid, "knows 'jcs'"),
        ({"canonicalization": "sorted-json"}, SignatureInvalid, "knows 'jcs'"),
        ({"canonicalization": None}, ManifestInvalid, "'canonicalization' must be a string"),
        ({"canonicalization": 1}, ManifestInvalid, "'canonicalization' must be a string"),
    ],
)
def test_an_unknown_canonicalization_is_refused(
    changed: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_manifest(json.dumps(signed.envelope(AWKWARD, SIGNER) | changed), KEY)


def test_an_old_form_envelope_has_only_the_old_fields() -> None:
    """Without it, renaming "canonicalization" would turn a JCS envelope into an old one."""
    legacy = signed.legacy_envelope(AWKWARD, SIGNER)
    with pytest.raises(ManifestInvalid, match="not one signed before JCS"):
        load_manifest(json.dumps(legacy | {"canonicalizatioN": "jcs"}), KEY)


def test_an_integer_javascript_cannot_hold_is_refused() -> None:
    big = {**AWKWARD, "serial": 2**53}
    envelope = signed.legacy_envelope(big, SIGNER) | {"canonicalization": "jcs"}
    with pytest.raises(ManifestInvalid, match="integer JCS cannot encode"):
        load_manifest(json.dumps(envelope), KEY)
    assert load_manifest(json.dumps(signed.legacy_envelope(big, SIGNER)), KEY).serial == 2**53


def test_the_server_signs_jcs_and_refuses_what_jcs_cannot_encode() -> None:
    body = sign_manifest(AWKWARD, SIGNER)
    envelope = json.loads(body)
    assert body == rfc8785.dumps(envelope)
    assert envelope["canonicalization"] == "jcs"
    assert load_manifest(body, KEY).serial == AWKWARD["serial"]
    with pytest.raises(rfc8785.IntegerDomainError):
        sign_manifest({**AWKWARD, "serial": 2**53}, SIGNER)


def _awkward_text(rng: random.Random) -> str:
    # Control characters, quotes, backslashes, U+007F, line separators, BMP above the
    # surrogates, astral characters.
    pool = '\x00\x01\x1f"\\/\b\f\n\r\t\x7f aZ9é\u2028\u2029\ufb01\ufeff\uffff😀\U0010ffff'
    return "".join(rng.choice(pool) for _ in range(rng.randrange(0, 8)))


def _awkward_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 2**53 - 1, -(2**53) + 1, rng.randrange(-(10**12), 10**12)])
    if kind in (2, 3):
        return _awkward_text(rng)
    if kind == 4:
        return [_awkward_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [
        rng.choice([_awkward_text(rng), f"k{rng.randrange(100)}"]) for _ in range(rng.randrange(5))
    ]
    return {key: _awkward_value(rng, depth + 1) for key in keys}


def test_jcs_json_writes_what_rfc8785_writes() -> None:
    """The fast path (json's C encoder where every key is ASCII) never differs from the
    library, on values with every escape and ordering trap."""
    rng = random.Random(8785)
    values = [_awkward_value(rng) for _ in range(3000)]
    assert sum(isinstance(v, dict) and not all(k.isascii() for k in v) for v in values) > 100
    for value in values:
        assert jcs_json(value) == rfc8785.dumps(value), value


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"a": 1.5}, TypeError),
        ({"a": [float("nan")]}, TypeError),
        ({"a": 2**53}, rfc8785.IntegerDomainError),
        ({"a": -(2**53)}, rfc8785.IntegerDomainError),
        ({"a": "\ud800"}, rfc8785.CanonicalizationError),
        ({"\ud800": 1}, rfc8785.CanonicalizationError),
        ({1: 1}, TypeError),
    ],
)
def test_jcs_json_refuses_what_has_no_canonical_form(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        jcs_json(value)
