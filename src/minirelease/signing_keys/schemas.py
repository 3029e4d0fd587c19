"""What ``GET /signing-key`` publishes: the key this process signs with, in the single-key
fields older SDKs read, and every published key with its id and status, which SDKs that
verify by key id choose from."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field

from minirelease.build.signing import Signer, public_key_pem
from minirelease.signing_keys.models import SigningKey

ALGORITHM = "Ed25519"


class PublishedKey(BaseModel):
    key_id: str
    algorithm: str = ALGORITHM
    status: str = Field(description="active (signs now) or previous (rotated out, still valid)")
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    public_key_pem: str
    activated_at: dt.datetime
    replaced_at: dt.datetime | None = None


class SigningKeyRead(BaseModel):
    algorithm: str = ALGORITHM
    key_id: str = Field(description="the key this server signs with")
    public_key: str
    public_key_pem: str
    keys: list[PublishedKey] = Field(
        description="every key whose signatures are valid; verify a signature with the key "
        "its key_id names, and refuse key ids not listed here (unknown or retired)"
    )


def signing_key_read(signer: Signer, keys: Sequence[SigningKey]) -> SigningKeyRead:
    published = [
        PublishedKey(
            key_id=key.key_id,
            status=key.status,
            public_key=key.public_key,
            public_key_pem=public_key_pem(base64.b64decode(key.public_key)),
            activated_at=key.activated_at,
            replaced_at=key.replaced_at,
        )
        for key in keys
    ]
    return SigningKeyRead(
        key_id=signer.key_id,
        public_key=signer.public_key_raw_b64(),
        public_key_pem=signer.public_key_pem(),
        keys=published,
    )


__all__ = ["PublishedKey", "SigningKeyRead", "signing_key_read"]
