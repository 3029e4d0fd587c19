"""Verifying the manifest envelope: the keys the server publishes, and every way of
tampering with it. The signature covers the manifest's value (re-encoded canonically),
so a re-encoded envelope still verifies and any changed value does not."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from minirelease.resolver import (
    KeyInvalid,
    ManifestInvalid,
    ResolverError,
    SignatureInvalid,
    key_id,
    load_manifest,
    load_public_key,
)
from minirelease.resolver.canonical import canonical_json
from tests.resolver import signed

SIGNER = signed.new_signer()
KEY = SIGNER.public_key_raw_b64()
DATA = signed.manifest(
    {
        "2021000000000001": signed.entry(
            signed.package("rel_a1"),
            signed.candidate("rel_a2", basis_points=500, testers=["qa", "张三"]),
        ),
        "2021000000000002": signed.entry(
            signed.package("rel_b1"), signed.candidate("rel_b2", state="pilot", testers=["t"])
        ),
        "2021000000000003": signed.entry(removed=True),
        "2021000000000004": signed.entry(None, signed.candidate("rel_d1", state="pilot")),
    },
    serial=41,
)
BODY = signed.body(DATA, SIGNER)
BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def test_a_served_envelope_verifies() -> None:
    manifest = load_manifest(BODY, KEY)
    assert (manifest.partner_app, manifest.serial) == ("wallet", 41)
    assert set(manifest.mini_programs) == set(DATA["mini_programs"])


def test_every_published_key_form_works() -> None:
    raw = base64.b64decode(KEY)
    pem = SIGNER.public_key_pem()
    for key in (KEY, f" {KEY}\n", raw, pem, pem.encode(), load_public_key(raw)):
        assert load_manifest(BODY, key).serial == 41
    assert key_id(raw) == SIGNER.key_id


@pytest.mark.parametrize(
    "bad",
    ["", "not base64!", base64.b64encode(b"short").decode(), b"\x00" * 31,
     "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"],
)  # fmt: skip
def test_unusable_keys_are_refused(bad: str | bytes) -> None:
    with pytest.raises(KeyInvalid):
        load_manifest(BODY, bad)


def test_a_key_of_another_kind_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(KeyInvalid, match="not Ed25519"):
        load_manifest(BODY, pem)


def test_another_key_is_refused_by_its_id_and_by_its_signature() -> None:
    other = signed.new_signer()
    with pytest.raises(SignatureInvalid, match="trusts key"):
        load_manifest(BODY, other.public_key_raw_b64())
    # An envelope that names the other key but carries our signature: the signature fails.
    forged = signed.envelope(DATA, SIGNER) | {"key_id": other.key_id}
    with pytest.raises(SignatureInvalid, match="does not match"):
        load_manifest(canonical_json(forged), other.public_key_raw_b64())
    # Signed by the other key, presented as ours: the id matches, the signature does not.
    theirs = signed.envelope(DATA, other) | {"key_id": SIGNER.key_id}
    with pytest.raises(SignatureInvalid, match="does not match"):
        load_manifest(canonical_json(theirs), KEY)


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("key_id", "0123456789abcdef", SignatureInvalid, "trusts key"),
        ("algorithm", "RS256", SignatureInvalid, "only Ed25519"),
        ("algorithm", "ed25519", SignatureInvalid, "only Ed25519"),
        ("signature", "", SignatureInvalid, "64 bytes"),
        ("signature", "%%%", SignatureInvalid, "not base64"),
        ("signature", base64.b64encode(b"x" * 64).decode(), SignatureInvalid, "does not match"),
        ("signature", None, ManifestInvalid, "'signature' must be a string"),
        ("key_id", 7, ManifestInvalid, "'key_id' must be a string"),
        ("manifest", [], ManifestInvalid, "'manifest' must be an object"),
    ],
)
def test_envelope_fields(field: str, value: Any, error: type[Exception], message: str) -> None:
    envelope = signed.envelope(DATA, SIGNER) | {field: value}
    with pytest.raises(error, match=message):
        load_manifest(json.dumps(envelope), KEY)


def test_a_signature_spelled_another_way_is_refused() -> None:
    """base64 with unused trailing bits set decodes to the same 64 bytes; only the one
    spelling the server writes is taken, so no byte of the envelope is free to change."""
    envelope = signed.envelope(DATA, SIGNER)
    sig = envelope["signature"]
    # 64 bytes are 86 characters and "=="; the last character carries 4 unused bits.
    last = BASE64_ALPHABET.index(sig[-3])
    twin = f"{sig[:-3]}{BASE64_ALPHABET[last ^ 1]}=="
    assert base64.b64decode(twin) == base64.b64decode(sig)
    with pytest.raises(SignatureInvalid):
        load_manifest(json.dumps(envelope | {"signature": twin}), KEY)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return {}
    text = str(value)
    return text[:-1] + chr(ord(text[-1]) ^ 1) if text else "x"


def test_a_changed_value_anywhere_in_the_manifest_is_refused() -> None:
    paths = list(_leaves(DATA))
    assert len(paths) > 40
    for path in paths:
        tampered = copy.deepcopy(DATA)
        holder = tampered
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = _changed(holder[path[-1]])
        envelope = signed.envelope(DATA, SIGNER) | {"manifest": tampered}
        with pytest.raises(SignatureInvalid):
            load_manifest(canonical_json(envelope), KEY)


def test_added_removed_and_renamed_entries_are_refused() -> None:
    added = copy.deepcopy(DATA)
    added["mini_programs"]["2021000000000009"] = signed.entry(signed.package("rel_x"))
    dropped = copy.deepcopy(DATA)
    del dropped["mini_programs"]["2021000000000003"]
    renamed = copy.deepcopy(DATA)
    renamed["mini_programs"]["2021000000000005"] = renamed["mini_programs"].pop("2021000000000001")
    for tampered in (added, dropped, renamed):
        envelope = signed.envelope(DATA, SIGNER) | {"manifest": tampered}
        with pytest.raises(SignatureInvalid):
            load_manifest(canonical_json(envelope), KEY)


def test_every_flipped_byte_of_the_served_body_is_refused() -> None:
    """Flipping the low bit of any byte gives invalid JSON (ManifestInvalid) or a changed
    value (SignatureInvalid, or ManifestInvalid where an envelope field is lost): never a
    manifest that loads."""
    outcomes: dict[str, int] = {}
    for index in range(len(BODY)):
        flipped = BODY[:index] + bytes([BODY[index] ^ 1]) + BODY[index + 1 :]
        with pytest.raises(ResolverError) as refused:
            load_manifest(flipped, KEY)
        assert isinstance(refused.value, ManifestInvalid | SignatureInvalid), index
        name = type(refused.value).__name__
        outcomes[name] = outcomes.get(name, 0) + 1
    assert outcomes["SignatureInvalid"] > len(BODY) // 2, outcomes


def test_a_string_that_is_not_unicode_is_refused() -> None:
    envelope = signed.envelope(DATA, SIGNER)
    envelope["manifest"] = {**DATA, "partner_app": "wallet\ud800"}
    body = json.dumps(envelope)  # escapes the lone surrogate as \ud800
    with pytest.raises(ManifestInvalid, match="not valid Unicode"):
        load_manifest(body, KEY)


@pytest.mark.parametrize(
    "dumps",
    [
        {"indent": 2},
        {"indent": 1, "ensure_ascii": True},
        {"sort_keys": False},
        {"separators": (", ", ": ")},
    ],
)
def test_a_re_encoded_envelope_still_verifies(dumps: dict[str, Any]) -> None:
    """Decided: what is signed is canonical_json(manifest), so a proxy that re-indents,
    re-orders keys or escapes non-ASCII text changes no value and breaks nothing."""
    envelope = json.loads(BODY)
    envelope["manifest"] = dict(reversed(list(envelope["manifest"].items())))
    body = signed.reencoded(envelope, **dumps)
    assert body != BODY
    assert load_manifest(body, KEY).mini_programs == load_manifest(BODY, KEY).mini_programs


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"manifest": {"serial": 1.0}}', "non-integer"),
        (b'{"manifest": {"serial": NaN}}', "non-integer"),
        (b'{"manifest": {}, "manifest": {}}', "duplicate key"),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"manifest": {"serial": 1' + b"0" * 5000 + b"}}", "not valid JSON"),
    ],
)
def test_what_is_not_canonical_json_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(ManifestInvalid, match=message):
        load_manifest(body, KEY)
