"""A Python child process doing the compatibility lab's work on untrusted packages, seen
from its parent: started with pipes, asked one request at a time over the frames of
``runtime/frames.py``, and watched while it works. Its resident memory and the wall
clock are enforced from here, outside the child: past either it is killed, and its end is
described in words an operator can act on (which signal, what it said on its way down).

A request gets any number of progress messages (``{"progress": …}``), then one answer."""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from minirelease.compat.frames import FrameError, FrameReader, encode

MIB: Final = 1024 * 1024
# How often memory is read while a request is under way: a runaway allocation overshoots
# the limit by at most what it allocates in this time.
_WATCH_SECONDS: Final = 0.02
_CHUNK: Final = 1 << 20
_STDERR_TAIL: Final = 8192
# What V8 (or Python) prints when it aborts, before its stack trace: the line to quote.
_FATAL_LINE = re.compile(r"^(\[FATAL[^\]]*\]\s*)?(fatal|check failed)|out of memory", re.I)
_STACK_TRACE: Final = "==== C stack trace"
_PAGE_SIZE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

Progress = Callable[[Any], object]


class ProcessStopped(Exception):
    """The child ended, or was stopped, before answering. ``limit`` names the outer limit
    that stopped it ("memory" or "time"); None: it ended by itself (a crash)."""

    def __init__(self, reason: str, *, limit: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


class ChildProcess:
    def __init__(self, command: Sequence[str]) -> None:
        self._process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # A process group of its own, so a terminal's Ctrl-C is the server's to handle
            # (it stops its children itself); but the server's session, not a new one: the
            # kernel's autogroup scheduling shares the CPU between sessions equally, which
            # would make the children's lower priority count for nothing.
            process_group=0,
        )
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._stdin = self._process.stdin
        self._stdout = self._process.stdout
        self._stderr = self._process.stderr
        os.set_blocking(self._stdin.fileno(), False)
        self._stderr_tail = b""
        self.runs = 0
        # What its owner last loaded into it (the engine pool: which package's scripts).
        self.loaded: str | None = None

    @property
    def pid(self) -> int:
        return self._process.pid

    def ask(
        self,
        request: dict[str, Any],
        *,
        timeout: float,
        memory_bytes: int,
        on_progress: Progress | None = None,
    ) -> Any:
        """Send one request and return the answer; raises ``ProcessStopped`` when the
        child ends first or is stopped for passing ``timeout`` or ``memory_bytes``."""
        pending = memoryview(encode(request))
        reader = FrameReader()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as watch:
            watch.register(self._stdout, selectors.EVENT_READ)
            watch.register(self._stderr, selectors.EVENT_READ)
            watch.register(self._stdin, selectors.EVENT_WRITE)
            while True:
                self._enforce(deadline, timeout, memory_bytes)
                for key, _ in watch.select(_WATCH_SECONDS):
                    if key.fileobj is self._stdin:
                        pending = self._send(pending)
                        if not pending:
                            watch.unregister(self._stdin)
                    elif key.fileobj is self._stderr:
                        if not self._keep_stderr():
                            watch.unregister(self._stderr)
                    else:
                        for message in self._receive(reader):
                            if isinstance(message, dict) and "progress" in message:
                                if on_progress is not None:
                                    on_progress(message["progress"])
                            else:
                                return message

    def close(self, wait: float = 2.0) -> None:
        """Let the child leave (its stdin closes), then kill what is left."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self._process.wait(wait)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def interrupt(self) -> None:
        """Kill the child from another thread than the one asking it: that thread sees
        its end and cleans up."""
        if self._process.poll() is None:
            self._process.kill()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._close_pipes()

    def _last_words(self) -> str:
        """The last line of what the child printed that says why it went down."""
        text = self._stderr_tail.decode("utf-8", errors="replace").split(_STACK_TRACE)[0]
        for line in reversed(text.splitlines()):
            line = line.strip(" #\t")
            if _FATAL_LINE.search(line):
                return line[:300]
        return ""

    def _enforce(self, deadline: float, timeout: float, memory_bytes: int) -> None:
        if time.monotonic() > deadline:
            self.kill()
            raise ProcessStopped(
                f"did not answer within {timeout:.0f} s and was stopped", limit="time"
            )
        resident = self._resident_bytes()
        if resident > memory_bytes:
            self.kill()
            raise ProcessStopped(
                f"used {resident // MIB} MiB of memory, over its limit of "
                f"{memory_bytes // MIB} MiB, and was stopped",
                limit="memory",
            )

    def _send(self, pending: memoryview) -> memoryview:
        try:
            written = os.write(self._stdin.fileno(), pending[:_CHUNK])
        except BlockingIOError:
            return pending
        except OSError:  # the child is gone: its exit is read from stdout's end
            return pending[:0]
        return pending[written:]

    def _keep_stderr(self) -> bool:
        data = os.read(self._stderr.fileno(), _CHUNK)
        self._stderr_tail = (self._stderr_tail + data)[-_STDERR_TAIL:]
        return bool(data)

    def _receive(self, reader: FrameReader) -> list[Any]:
        data = os.read(self._stdout.fileno(), _CHUNK)
        if not data:
            raise ProcessStopped(self._ended())
        try:
            return reader.feed(data)
        except FrameError as error:
            self.kill()
            raise ProcessStopped(f"sent a broken answer ({error}) and was stopped") from None

    def _ended(self) -> str:
        try:
            code = self._process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self._process.returncode
        self._drain_stderr()
        self._close_pipes()
        said = self._last_words()
        if code is not None and code < 0:
            how = f"crashed ({_signal_name(-code)})"
        else:
            how = f"exited with status {code}"
        return f"{how}: {said}" if said else how

    def _drain_stderr(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            os.set_blocking(self._stderr.fileno(), False)
            while self._keep_stderr():
                pass

    def _resident_bytes(self) -> int:
        try:
            with open(f"/proc/{self._process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE_SIZE
        except (OSError, IndexError, ValueError):
            return 0  # gone (its end is read from its pipes), or no /proc on this system

    def _close_pipes(self) -> None:
        for pipe in (self._stdin, self._stdout, self._stderr):
            with contextlib.suppress(OSError):
                pipe.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
