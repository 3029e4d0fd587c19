"""The codings responses are compressed in: each round-trips with its standard decoder,
makes the same bytes every time (one strong tag, one body), and a body's coded bytes are
made once per coding however many requests want them at the same time."""

from __future__ import annotations

import gzip
import threading
from concurrent.futures import ThreadPoolExecutor

import brotli  # type: ignore[import-untyped]
import pytest
import zstandard

from minirelease.http.accept_encoding import IDENTITY
from minirelease.http.content_codings import ENCODERS, OFFERED, CodedBodies, coded_etag

BODY = b'{"mini_programs":{' + b",".join(b'"%d":{"removed":false}' % n for n in range(500)) + b"}}"

DECODERS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": zstandard.ZstdDecompressor().decompress,
}


def test_the_server_prefers_zstd_then_br_then_gzip() -> None:
    assert OFFERED == ("zstd", "br", "gzip")


@pytest.mark.parametrize("coding", OFFERED)
def test_each_coding_round_trips_smaller_and_the_same_every_time(coding: str) -> None:
    coded = ENCODERS[coding](BODY)
    assert DECODERS[coding](coded) == BODY
    assert len(coded) < len(BODY) // 5
    assert ENCODERS[coding](BODY) == coded


def test_coded_tags_keep_their_strength() -> None:
    assert coded_etag('"abc"', "gzip") == '"abc-gzip"'
    assert coded_etag('W/"abc"', "br") == 'W/"abc-br"'
    assert coded_etag('"abc"', IDENTITY) == '"abc"'


class Gate:
    """An encoder that counts its calls and holds each until told to finish."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.finish = threading.Event()

    def __call__(self, data: bytes) -> bytes:
        self.calls += 1
        self.started.set()
        assert self.finish.wait(10)
        return b"coded:" + data


def test_a_coding_is_made_once_for_concurrent_requests() -> None:
    gate = Gate()
    bodies = CodedBodies(b"body", encoders={"gzip": gate})
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(bodies.get, "gzip")
        assert gate.started.wait(10)
        waiting = [pool.submit(bodies.get, "gzip") for _ in range(7)]
        gate.finish.set()
        assert {f.result() for f in [first, *waiting]} == {b"coded:body"}
    assert gate.calls == 1 and bodies.made == {"gzip": 1}
    assert bodies.get("gzip") == b"coded:body" and gate.calls == 1
    assert bodies.get(IDENTITY) == b"body" and bodies.made == {"gzip": 1}


def test_each_coding_is_made_on_its_first_demand_only() -> None:
    bodies = CodedBodies(BODY)
    assert bodies.made == {}
    for _ in range(3):
        for coding in OFFERED:
            assert DECODERS[coding](bodies.get(coding)) == BODY
    assert bodies.made == {"zstd": 1, "br": 1, "gzip": 1}


def test_a_failed_coding_is_tried_again_by_the_next_request() -> None:
    attempts: list[bytes] = []

    def flaky(data: bytes) -> bytes:
        attempts.append(data)
        if len(attempts) == 1:
            raise MemoryError
        return b"ok"

    bodies = CodedBodies(b"x", encoders={"br": flaky})
    with pytest.raises(MemoryError):
        bodies.get("br")
    assert bodies.get("br") == b"ok" and bodies.made == {"br": 1}
