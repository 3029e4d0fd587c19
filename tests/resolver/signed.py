"""Manifests in the agreed format (issue 5), built and signed in tests, for the resolver's
unit tests. The server's own builder is checked against the resolver in test_parity_api."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minirelease.build.signing import Signer
from minirelease.resolver.canonical import canonical_json, jcs_json
from minirelease.resolver.decide import tester_digest


def new_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def package(release_id: str, version: str = "1.0.0", size: int = 1234) -> dict[str, Any]:
    sha256 = hashlib.sha256(f"{release_id}@{version}".encode()).hexdigest()
    return {
        "release_id": release_id,
        "version": version,
        "sha256": sha256,
        "size": size,
        "signature": f"build-signature-of-{release_id}",
        "url": f"/api/v1/packages/{sha256}",
    }


def candidate(
    release_id: str,
    version: str = "1.1.0",
    *,
    state: str = "grayscale",
    basis_points: int = 0,
    halted: bool = False,
    testers: Iterable[str] = (),
) -> dict[str, Any]:
    return {
        **package(release_id, version),
        "state": state,
        "basis_points": basis_points,
        "halted": halted,
        "tester_salt": release_id,
        "testers": sorted(tester_digest(release_id, t).hex() for t in testers),
    }


def entry(
    online: dict[str, Any] | None = None,
    candidate: dict[str, Any] | None = None,
    *,
    removed: bool = False,
) -> dict[str, Any]:
    return {"removed": removed, "online": online, "candidate": candidate}


def manifest(
    mini_programs: dict[str, Any], *, partner_app: str = "wallet", serial: int = 7
) -> dict[str, Any]:
    return {
        "format": 1,
        "partner_app": partner_app,
        "serial": serial,
        "mini_programs": mini_programs,
    }


def envelope(data: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """The envelope as servers sign it since issue 13: over RFC 8785 (JCS)."""
    return {
        "manifest": data,
        "signature": signer.sign(jcs_json(data)),
        "canonicalization": "jcs",
        "key_id": signer.key_id,
        "algorithm": "Ed25519",
    }


def legacy_envelope(data: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """The envelope as servers signed it before JCS: over Python's sorted-keys JSON, and
    without a ``canonicalization`` field."""
    return {
        "manifest": data,
        "signature": signer.sign(canonical_json(data)),
        "key_id": signer.key_id,
        "algorithm": "Ed25519",
    }


def body(data: dict[str, Any], signer: Signer) -> bytes:
    """The envelope as the server sends it: JCS."""
    return jcs_json(envelope(data, signer))


def reencoded(value: Any, **dumps: Any) -> bytes:
    return json.dumps(value, **dumps).encode()
