"""One engine process seen from the job: ``child.py`` started with pipes, asked one run at a
time, and watched while it works. Its memory and the wall clock are enforced from here,
outside the engine: past either the process is killed, and its end is described in words
an operator can act on (which signal, what V8 said on its way down)."""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any, Final

from minirelease.compat.runtime.frames import FrameError, FrameReader, encode
from minirelease.compat.runtime.limits import MIB

COMMAND: Final = (sys.executable, "-m", "minirelease.compat.runtime.child")
# How often memory is read while a run is under way: a runaway allocation overshoots the
# limit by at most what it allocates in this time.
_WATCH_SECONDS: Final = 0.02
_CHUNK: Final = 1 << 20
_STDERR_TAIL: Final = 8192
# What V8 prints when it aborts, before its stack trace: the line worth quoting.
_FATAL_LINE = re.compile(r"^(\[FATAL[^\]]*\]\s*)?(fatal|check failed)|out of memory", re.IGNORECASE)
_STACK_TRACE = "==== C stack trace"
_PAGE_SIZE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class EngineStopped(Exception):
    """The engine process ended, or was stopped, before answering. ``limit`` says which
    outer limit stopped it (None: it ended by itself, a crash)."""

    def __init__(self, reason: str, *, limit: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


class EngineProcess:
    def __init__(self, command: Sequence[str] = COMMAND) -> None:
        self._process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # Out of the server's process group: a terminal's Ctrl-C is the server's to
            # handle; it stops its engines itself.
            start_new_session=True,
        )
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._stdin = self._process.stdin
        self._stdout = self._process.stdout
        self._stderr = self._process.stderr
        os.set_blocking(self._stdin.fileno(), False)
        self._stderr_tail = b""
        self.scripts_key: str | None = None
        self.runs = 0

    @property
    def pid(self) -> int:
        return self._process.pid

    def ask(self, request: dict[str, Any], *, timeout: float, memory_bytes: int) -> Any:
        """Send one request and return the answer; raises ``EngineStopped`` when the
        process ends first or is stopped for passing ``timeout`` or ``memory_bytes``."""
        pending = memoryview(encode(request))
        reader = FrameReader()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as watch:
            watch.register(self._stdout, selectors.EVENT_READ)
            watch.register(self._stderr, selectors.EVENT_READ)
            if pending:
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
                        answer = self._receive(reader)
                        if answer is not None:
                            return answer[0]

    def close(self, wait: float = 2.0) -> None:
        """Let the process leave (its stdin closes), then kill what is left."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self._process.wait(wait)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def interrupt(self) -> None:
        """Kill the process from another thread than the one asking it: that thread sees
        its end and cleans up."""
        if self._process.poll() is None:
            self._process.kill()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._close_pipes()

    def _enforce(self, deadline: float, timeout: float, memory_bytes: int) -> None:
        if time.monotonic() > deadline:
            self.kill()
            raise EngineStopped(
                f"did not answer within {timeout:.0f} s and was stopped", limit="time"
            )
        resident = self._resident_bytes()
        if resident > memory_bytes:
            self.kill()
            raise EngineStopped(
                f"used {resident // MIB} MiB of memory, over its limit of "
                f"{memory_bytes // MIB} MiB, and was stopped",
                limit="memory",
            )

    def _send(self, pending: memoryview) -> memoryview:
        try:
            written = os.write(self._stdin.fileno(), pending[:_CHUNK])
        except BlockingIOError:
            return pending
        except OSError:  # the process is gone: its exit is read from stdout's end
            return pending[:0]
        return pending[written:]

    def _keep_stderr(self) -> bool:
        data = os.read(self._stderr.fileno(), _CHUNK)
        self._stderr_tail = (self._stderr_tail + data)[-_STDERR_TAIL:]
        return bool(data)

    def _receive(self, reader: FrameReader) -> list[Any] | None:
        data = os.read(self._stdout.fileno(), _CHUNK)
        if not data:
            raise EngineStopped(self._ended())
        try:
            messages = reader.feed(data)
        except FrameError as error:
            self.kill()
            raise EngineStopped(f"sent a broken answer ({error}) and was stopped") from None
        return messages or None

    def _ended(self) -> str:
        try:
            code = self._process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self._process.returncode
        self._drain_stderr()
        self._close_pipes()
        said = self.last_words()
        if code is not None and code < 0:
            how = f"crashed ({_signal_name(-code)})"
        else:
            how = f"exited with status {code}"
        return f"{how}: {said}" if said else how

    def last_words(self) -> str:
        """The last line of what the process printed that says why it went down."""
        text = self._stderr_tail.decode("utf-8", errors="replace").split(_STACK_TRACE)[0]
        for line in reversed(text.splitlines()):
            line = line.strip(" #\t")
            if _FATAL_LINE.search(line):
                return line[:300]
        return ""

    def _drain_stderr(self) -> None:
        os.set_blocking(self._stderr.fileno(), False)
        try:
            while self._keep_stderr():
                pass
        except (BlockingIOError, OSError, ValueError):
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
