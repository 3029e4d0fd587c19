"""Signing and verifying as Standard Webhooks say, checked against the test vector the
specification's reference libraries publish (standard-webhooks/standard-webhooks,
libraries/python/tests/test_webhooks.py: test_sign_function)."""

from __future__ import annotations

import base64

import pytest

from minirelease.errors import ValidationFailed
from minirelease.webhooks import signing
from minirelease.webhooks.signing import SignatureInvalid

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_vector_signs_exactly() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_the_published_vector_verifies_within_the_tolerance() -> None:
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 299)
    with pytest.raises(SignatureInvalid, match="too far"):
        signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 301)
    with pytest.raises(SignatureInvalid, match="too far"):
        signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP - 301)


def _headers(secrets: list[str], body: bytes, timestamp: int = 1_700_000_000) -> dict[str, str]:
    return signing.headers(secrets, "msg_1", timestamp, body)


def test_a_rotation_sends_two_signatures_each_secret_verifies_one() -> None:
    old, new = signing.generate_secret(), signing.generate_secret()
    headers = _headers([new, old], b"{}")
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    signing.verify(old, headers, b"{}", now=1_700_000_000)
    signing.verify(new, headers, b"{}", now=1_700_000_000)
    with pytest.raises(SignatureInvalid):
        signing.verify(signing.generate_secret(), headers, b"{}", now=1_700_000_000)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b + b" "),
        lambda h, b: ({**h, "webhook-id": "msg_2"}, b),
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b),
        lambda h, b: ({**h, "webhook-signature": h["webhook-signature"].replace("v1,", "v2,")}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
        lambda h, b: ({**h, "webhook-timestamp": "soon"}, b),
    ],
    ids=["body", "id", "timestamp", "version", "missing", "not-a-number"],
)
def test_a_tampered_delivery_is_refused(tamper: object) -> None:
    secret = signing.generate_secret()
    headers, body = _headers([secret], b'{"a":1}'), b'{"a":1}'
    signing.verify(secret, headers, body, now=1_700_000_000)
    changed_headers, changed_body = tamper(headers, body)  # type: ignore[operator]
    with pytest.raises(SignatureInvalid):
        signing.verify(secret, changed_headers, changed_body, now=1_700_000_000)


def test_a_stale_timestamp_is_refused_even_when_signed_right() -> None:
    secret = signing.generate_secret()
    headers = _headers([secret], b"{}", timestamp=1_700_000_000)
    with pytest.raises(SignatureInvalid, match="too far"):
        signing.verify(secret, headers, b"{}", now=1_700_000_000 + 3600)


def test_generated_secrets_are_whsec_and_24_random_bytes() -> None:
    one, two = signing.generate_secret(), signing.generate_secret()
    assert one.startswith("whsec_") and one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"))) == 24
    assert signing.validate_secret(one) == one


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"short").decode(),
        "whsec_" + base64.b64encode(bytes(65)).decode(),
    ],
)
def test_a_chosen_secret_must_be_whsec_and_24_to_64_bytes(secret: str) -> None:
    with pytest.raises(ValidationFailed):
        signing.validate_secret(secret)
