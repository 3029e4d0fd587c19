"""Simulated partner backends polling a partner app's manifest (benchmarks/manifest_polling.py):
each one keeps what a real backend keeps between polls and sends what it would send.

- ``FullPoller``: the full manifest, with ``If-None-Match`` of the last answer's tag, and
  ``Accept-Encoding`` when the mode asks for compression. It keeps the tag only: the
  bytes of a full manifest are not decoded or verified in the load loop.
- ``DeltaPoller``: ``?since=`` the serial of the manifest it holds, applying each answer
  with the resolver SDK (``load_update``: verified, a delta applied to the held manifest
  or a full manifest taken), and ``If-None-Match`` when it asks the same URL as last time
  (a tag belongs to its URL: a new ``since`` has none yet).

``poll`` runs one backend: its first request at its own offset within the first period
(staggered starts), then every period give or take ``JITTER``, on a fixed schedule (a slow
answer does not push the next poll back), until the window ends; every answer is added
to the mode's ``Tally``."""

from __future__ import annotations

import asyncio
import gzip
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import brotli  # type: ignore[import-untyped]
import zstandard

from benchmarks.wire_client import Answer, Connection
from minirelease.resolver import KeySet, Manifest, ResolverError, load_update

JITTER = 0.1  # each period is P times a uniform factor in [1 - JITTER, 1 + JITTER]

DECODERS: Mapping[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda body: zstandard.ZstdDecompressor().decompress(body),
}


def decoded(answer: Answer) -> bytes:
    """The body as signed: decoded from its ``Content-Encoding``, if any."""
    coding = answer.headers.get("content-encoding")
    return answer.body if coding is None else DECODERS[coding](answer.body)


@dataclass
class Tally:
    """What one mode's backends sent and received."""

    requests: int = 0
    not_modified: int = 0
    wire_bytes: int = 0  # received: status lines, headers and bodies
    body_bytes: int = 0  # received: bodies alone, as sent (compressed or not)
    sent_bytes: int = 0  # the requests
    codings: Counter[str] = field(default_factory=Counter)  # of the 200s
    deltas: int = 0  # 200s that were deltas (the rest: full manifests)
    errors: list[str] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        self.requests += 1
        self.wire_bytes += answer.wire_bytes
        self.body_bytes += len(answer.body)
        self.sent_bytes += answer.sent_bytes
        if answer.status == 304:
            self.not_modified += 1
        elif answer.status == 200:
            self.codings[answer.headers.get("content-encoding", "identity")] += 1
        else:
            self.errors.append(f"{answer.status} {answer.body[:200]!r}")


class FullPoller:
    def __init__(self, path: str, accept_encoding: str | None, etag: str) -> None:
        self.path, self.etag = path, etag
        self._headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}

    def request(self) -> tuple[str, dict[str, str]]:
        return self.path, {**self._headers, "If-None-Match": self.etag}

    def take(self, answer: Answer, tally: Tally) -> None:
        if answer.status == 200:
            self.etag = answer.headers["etag"]


class DeltaPoller:
    def __init__(
        self, path: str, accept_encoding: str | None, manifest: Manifest, keys: KeySet
    ) -> None:
        self.path, self.manifest, self._keys = path, manifest, keys
        self._headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}
        self._tagged: tuple[str, str] | None = None  # (url, its tag) of the last 200
        self._asked = ""  # the url of the request in flight

    def request(self) -> tuple[str, dict[str, str]]:
        self._asked = f"{self.path}?since={self.manifest.serial}"
        headers = dict(self._headers)
        if self._tagged is not None and self._tagged[0] == self._asked:
            headers["If-None-Match"] = self._tagged[1]
        return self._asked, headers

    def take(self, answer: Answer, tally: Tally) -> None:
        if answer.status != 200:
            return
        body = decoded(answer)
        if b'"kind":"delta"' in body:
            tally.deltas += 1
        try:
            self.manifest = load_update(body, self._keys, self.manifest)
        except ResolverError as refused:  # keep the manifest held, as a backend would
            tally.errors.append(f"{type(refused).__name__}: {refused}")
            return
        self._tagged = (self._asked, answer.headers["etag"])


Poller = FullPoller | DeltaPoller


async def poll(
    poller: Poller,
    connection: Connection,
    tally: Tally,
    first: float,
    end: float,
    period: float,
    randomness: random.Random,
) -> None:
    """Poll from ``first`` until ``end`` (the event loop's clock)."""
    loop = asyncio.get_running_loop()
    due = first
    while due < end:
        await asyncio.sleep(max(0.0, due - loop.time()))
        await once(poller, connection, tally)
        due += period * randomness.uniform(1 - JITTER, 1 + JITTER)


async def once(poller: Poller, connection: Connection, tally: Tally) -> None:
    path, headers = poller.request()
    try:
        answer = await connection.get(path, headers)
    except (OSError, asyncio.IncompleteReadError) as error:
        tally.errors.append(f"{type(error).__name__}: {error}")
        await connection.close()
        return
    tally.add(answer)
    poller.take(answer, tally)
