"""The README's log figures at their edges: a caller's `X-Request-ID` is kept when it is
1 to 128 characters of letters, digits and `._:-`; a query value of 32 or more base64url
or hex characters is masked as a secret (31 are not), minirelease's own ids excepted."""

from __future__ import annotations

from minirelease.observability.requests import request_id_of, safe_query


def _id(value: bytes) -> str:
    return request_id_of([(b"x-request-id", value)])


def test_a_request_id_of_1_to_128_characters_is_kept() -> None:
    for kept in (b"a", b"x" * 128, b"trace-42.a:b_Z"):
        assert _id(kept) == kept.decode()
    for replaced in (b"", b"x" * 129, b"two words", "é".encode()):
        assert _id(replaced) != replaced.decode(errors="replace")


def test_32_token_characters_are_masked_31_are_not() -> None:
    assert safe_query(b"q=" + b"a" * 31) == "q=" + "a" * 31
    assert safe_query(b"q=" + b"a" * 32) == "q=***"
    assert safe_query(b"q=" + b"f0" * 16) == "q=***"
    own_id = "ws_" + "0" * 26
    assert safe_query(f"q={own_id}".encode()) == f"q={own_id}"
