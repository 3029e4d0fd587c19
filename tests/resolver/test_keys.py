"""Verifying by key id: the SDK picks the key a manifest's envelope names from the keys the
platform publishes, fetches them again (once) when it meets a key it does not know, and
refuses keys that are not published (unknown, or retired since)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from minirelease.build.signing import Signer
from minirelease.resolver import (
    KeyInvalid,
    KeyRing,
    KeySet,
    ManifestInvalid,
    Resolver,
    SignatureInvalid,
    load_manifest,
    verify_package,
)
from minirelease.resolver.canonical import canonical_json
from tests.resolver import signed

OLD, NEW, STRANGER = signed.new_signer(), signed.new_signer(), signed.new_signer()
DATA = signed.manifest({"2021000000000001": signed.entry(signed.package("rel_a1"))})


def published(signer: Signer, status: str) -> dict[str, Any]:
    return {
        "key_id": signer.key_id,
        "algorithm": "Ed25519",
        "status": status,
        "public_key": signer.public_key_raw_b64(),
        "public_key_pem": signer.public_key_pem(),
    }


def document(active: Signer, *previous: Signer, retired: tuple[Signer, ...] = ()) -> bytes:
    keys = [published(active, "active")] + [published(s, "previous") for s in previous]
    keys += [published(s, "retired") for s in retired]
    return json.dumps(
        {
            "algorithm": "Ed25519",
            "key_id": active.key_id,
            "public_key": active.public_key_raw_b64(),
            "public_key_pem": active.public_key_pem(),
            "keys": keys,
        }
    ).encode()


def test_each_manifest_is_verified_with_the_key_it_names() -> None:
    keys = KeySet.from_document(document(NEW, OLD))
    assert keys.key_ids == {NEW.key_id, OLD.key_id} and keys.active == NEW.key_id
    for signer in (NEW, OLD):
        assert load_manifest(signed.body(DATA, signer), keys).serial == DATA["serial"]
    with pytest.raises(SignatureInvalid, match=f"signed with key '{STRANGER.key_id}'"):
        load_manifest(signed.body(DATA, STRANGER), keys)


def test_a_key_claimed_by_another_id_is_refused() -> None:
    # A manifest naming the old key but signed by another key: the named key checks it.
    forged = signed.envelope(DATA, STRANGER) | {"key_id": OLD.key_id}
    with pytest.raises(SignatureInvalid, match="does not match"):
        load_manifest(canonical_json(forged), KeySet.from_document(document(NEW, OLD)))
    missing = signed.envelope(DATA, NEW) | {"key_id": 7}
    with pytest.raises(ManifestInvalid, match="key_id"):
        load_manifest(canonical_json(missing), KeySet.from_document(document(NEW)))


def test_retired_keys_and_unknown_statuses_are_not_trusted() -> None:
    entry = published(STRANGER, "compromised")
    body = json.loads(document(NEW, retired=(OLD,)))
    body["keys"].append(entry)
    keys = KeySet.from_document(body)
    assert keys.key_ids == {NEW.key_id}
    with pytest.raises(SignatureInvalid, match="unknown or retired"):
        load_manifest(signed.body(DATA, OLD), keys)


def test_a_document_of_a_server_before_rotation_gives_its_one_key() -> None:
    old_server = {
        "algorithm": "Ed25519",
        "key_id": OLD.key_id,
        "public_key": OLD.public_key_raw_b64(),
    }
    keys = KeySet.from_document(old_server)
    assert keys.key_ids == {OLD.key_id} and keys.active == OLD.key_id
    assert load_manifest(signed.body(DATA, OLD), keys).serial == DATA["serial"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"keys": {}}).encode(), "must be a list"),
        (json.dumps({"keys": [published(NEW, "active") | {"public_key": "AAAA"}]}).encode(),
         "32 bytes"),
        (json.dumps({"keys": [published(NEW, "active") | {"key_id": OLD.key_id}]}).encode(),
         "lists key"),
        (json.dumps({"public_key": 5}).encode(), "must be a string"),
    ],
)  # fmt: skip
def test_malformed_documents_are_refused(bad: bytes, message: str) -> None:
    with pytest.raises(KeyInvalid, match=message):
        KeySet.from_document(bad)


class Server:
    """What ``GET /signing-key`` answers, changed as the platform rotates and retires."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.fetches = 0

    def fetch(self) -> bytes:
        self.fetches += 1
        return self.body


def test_a_ring_fetches_again_once_when_it_meets_a_new_key() -> None:
    server = Server(document(OLD))
    ring = KeyRing(server.fetch)
    Resolver.from_envelope(signed.body(DATA, OLD), ring)
    Resolver.from_envelope(signed.body(DATA, OLD), ring)
    assert server.fetches == 1

    server.body = document(NEW, OLD)  # rotated
    Resolver.from_envelope(signed.body(DATA, NEW), ring)
    assert server.fetches == 2
    Resolver.from_envelope(signed.body(DATA, OLD), ring)
    assert server.fetches == 2

    with pytest.raises(SignatureInvalid, match="not a published signing key"):
        Resolver.from_envelope(signed.body(DATA, STRANGER), ring)
    assert server.fetches == 3  # one refresh, then refused

    server.body = document(NEW, retired=(OLD,))
    Resolver.from_envelope(signed.body(DATA, OLD), ring)  # held until the ring refreshes
    ring.refresh()
    with pytest.raises(SignatureInvalid, match=OLD.key_id):
        Resolver.from_envelope(signed.body(DATA, OLD), ring)


def test_a_ring_fetches_again_when_its_keys_are_older_than_max_age() -> None:
    server = Server(document(NEW, OLD))
    ring = KeyRing(server.fetch, max_age=0)
    Resolver.from_envelope(signed.body(DATA, OLD), ring)
    server.body = document(NEW, retired=(OLD,))
    with pytest.raises(SignatureInvalid):
        Resolver.from_envelope(signed.body(DATA, OLD), ring)


def test_a_failed_fetch_keeps_the_keys_held() -> None:
    server = Server(document(OLD))
    ring = KeyRing(server.fetch)
    assert ring.keys.key_ids == {OLD.key_id}
    server.body = b"<html>502 Bad Gateway</html>"
    with pytest.raises(KeyInvalid):
        Resolver.from_envelope(signed.body(DATA, NEW), ring)
    assert ring.keys.key_ids == {OLD.key_id}
    Resolver.from_envelope(signed.body(DATA, OLD), ring)


def test_a_package_is_checked_with_the_key_its_signature_names() -> None:
    package_manifest = b'{"files":{"app.js":{"sha256":"00","size":1}}}'
    keys = KeySet.from_document(document(NEW, OLD))
    for signer in (NEW, OLD):
        verify_package(keys, package_manifest, signer.sign(package_manifest), signer.key_id)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_package(keys, package_manifest + b" ", NEW.sign(package_manifest), NEW.key_id)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_package(keys, package_manifest, OLD.sign(package_manifest), NEW.key_id)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_package(keys, package_manifest, "not base64!", NEW.key_id)
    with pytest.raises(SignatureInvalid, match="not a published signing key"):
        verify_package(keys, package_manifest, STRANGER.sign(package_manifest), STRANGER.key_id)
