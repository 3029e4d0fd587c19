"""A lean HTTP/1.1 client over one asyncio keep-alive connection that counts the bytes on
the wire: every byte of each answer's status line, headers and body as received (TCP
payload; the TCP/IP headers below it are not counted), and every byte of each request.

Used by benchmarks/manifest_polling.py, where hundreds of simulated backends poll at once
from one process: asyncio rather than threads, and no parsing beyond what framing needs
(``Content-Length`` or chunked). A connection the server closed while idle (its keep-alive
ran out) is opened again and the request sent once more, counted in ``reconnects``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

_READ_LIMIT = 1 << 20  # the stream's buffer before it pauses reading: manifests are MBs


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes  # as sent: still in its content coding
    wire_bytes: int  # status line, headers and body (with chunk framing) as received
    sent_bytes: int  # the request as sent


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def get(self, path: str, headers: Mapping[str, str]) -> Answer:
        lines = [f"GET {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        fresh = self._reader is None
        try:
            return await self._exchange(request)
        except (ConnectionError, asyncio.IncompleteReadError):
            if fresh:
                raise
        # Closed by the server while idle: once more on a new connection.
        await self.close()
        self.reconnects += 1
        return await self._exchange(request)

    async def _exchange(self, request: bytes) -> Answer:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(
                self._host, self._port, limit=_READ_LIMIT
            )
        reader, writer = self._reader, self._writer
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        fields: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        body, framed = b"", 0
        if status in (204, 304) or 100 <= status < 200:
            pass
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            body, framed = await _chunked(reader)
        else:
            body = await reader.readexactly(int(fields.get("content-length", "0")))
            framed = len(body)
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, fields, body, len(head) + framed, len(request))

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def _chunked(reader: asyncio.StreamReader) -> tuple[bytes, int]:
    """A chunked body and the bytes it took on the wire (sizes, extensions, trailers)."""
    parts: list[bytes] = []
    wire = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        wire += len(size_line)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                wire += len(trailer)
            return b"".join(parts), wire + 2
        parts.append(await reader.readexactly(size))
        wire += size + len(await reader.readexactly(2))
