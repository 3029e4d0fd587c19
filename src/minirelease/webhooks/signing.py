"""Standard Webhooks signatures (https://www.standardwebhooks.com/): the secret is
``whsec_`` + base64 of the key bytes; a signature is ``v1,`` + base64 of
HMAC-SHA256(key, f"{webhook-id}.{webhook-timestamp}.{body}"); several signatures (an old
and a new secret during a rotation) are sent space-separated in one header."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

from minirelease.errors import ValidationFailed

PREFIX = "whsec_"
SECRET_BYTES = 24
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64
TOLERANCE_SECONDS = 5 * 60


class SignatureInvalid(Exception):
    """A receiver's refusal of a delivery: not a use case's error, never an API answer."""


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def key_bytes(secret: str) -> bytes:
    """The HMAC key a secret stands for (the base64 part after ``whsec_``)."""
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("secret: not whsec_ followed by base64") from None


def validate_secret(secret: str) -> str:
    """A secret a caller chose: ``whsec_`` and base64 of 24 to 64 bytes."""
    if not secret.startswith(PREFIX):
        raise ValidationFailed("secret: must start with whsec_", field="secret")
    size = len(key_bytes(secret))
    if not MIN_KEY_BYTES <= size <= MAX_KEY_BYTES:
        raise ValidationFailed(
            f"secret: must encode {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes, not {size}",
            field="secret",
        )
    return secret


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(
    secrets_in_use: Iterable[str], msg_id: str, timestamp: int, body: bytes
) -> str:
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_in_use)


def headers(
    secrets_in_use: Iterable[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_in_use, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise ``SignatureInvalid`` unless one ``v1`` signature of ``received`` (headers,
    lower-case names) is ``secret``'s over this body, made within ``tolerance`` of ``now``
    (unix seconds) either way."""
    msg_id = received.get("webhook-id")
    stamp = received.get("webhook-timestamp")
    header = received.get("webhook-signature")
    if not msg_id or not stamp or not header:
        raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureInvalid("webhook-timestamp is not an integer") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureInvalid("webhook-timestamp is too far from now")
    expected = sign(secret, msg_id, timestamp, body).encode()
    for candidate in header.split(" "):
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected):
            return
    raise SignatureInvalid("no signature matches")
