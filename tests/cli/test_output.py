"""What the client draws depends on where it writes: a progress bar and colour on a
terminal (a real pseudo-terminal here), nothing but the answer elsewhere or with
NO_COLOR, and only the JSON document with ``--json``."""

from __future__ import annotations

import json
import os
import pty
import re
import threading
from collections.abc import Iterator

import pytest

from minirelease.cli.exits import CliError
from minirelease.cli.output import Output, print_error


class Screen:
    """The reading end of a pseudo-terminal, drained on a thread so that writers never
    block on a full buffer."""

    def __init__(self, reader: int) -> None:
        self._reader = reader
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._reader, 65536)
            except OSError:  # the writing end closed
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    def text(self) -> str:
        self._thread.join(5)
        return b"".join(self._chunks).decode("utf-8", "replace")


class Terminal:
    """A pseudo-terminal standing in for stdout and stderr. ``attach`` is called in the
    test's body: pytest puts its own capture back on ``sys.stdout`` after fixtures run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        reader, writer = pty.openpty()
        self._reader = reader
        self._stream = open(writer, "w", buffering=1, encoding="utf-8")  # noqa: SIM115
        self._screen = Screen(reader)

    def attach(self) -> None:
        self._monkeypatch.setattr("sys.stdout", self._stream)
        self._monkeypatch.setattr("sys.stderr", self._stream)

    def drawn(self) -> str:
        """Everything drawn; the terminal is closed."""
        if not self._stream.closed:
            self._stream.close()
        return self._screen.text()

    def close(self) -> None:
        self.drawn()
        os.close(self._reader)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    monkeypatch.delenv("NO_COLOR", raising=False)
    screen = Terminal(monkeypatch)
    yield screen
    screen.close()


# An SGR sequence setting a foreground or background colour (30-49, 90-107).
_COLOUR = re.compile(r"\x1b\[(?:\d+;)*(?:3\d|4\d|9[0-7]|10[0-7])(?:;\d+)*m")


def _upload(out: Output) -> None:
    with out.progress("upload", 1000) as moved:
        for done in range(0, 1001, 250):
            moved(done, 1000)
    out.table(("VERSION", "FILES"), [("1.2.0", 12)])


def test_a_terminal_gets_a_progress_bar_and_colour(terminal: Terminal) -> None:
    terminal.attach()
    _upload(Output(json_mode=False))
    drawn = terminal.drawn()
    assert "upload" in drawn and "1.0/1.0 kB" in drawn  # the bar, at its end
    assert _COLOUR.search(drawn)
    assert "1.2.0" in drawn


def test_no_color_on_a_terminal_draws_no_bar_and_no_colour(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    terminal.attach()
    _upload(Output(json_mode=False))
    drawn = terminal.drawn()
    # No colour (bold stays: NO_COLOR, no-color.org, is about colour only).
    assert "upload" not in drawn and not _COLOUR.search(drawn), repr(drawn)
    assert "1.2.0" in drawn


def test_off_a_terminal_only_the_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    _upload(Output(json_mode=False))
    printed = capsys.readouterr()
    assert "1.2.0" in printed.out and "\x1b[" not in printed.out
    assert printed.err == ""


def test_json_mode_prints_one_document_even_for_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = Output(json_mode=True)
    _upload(out)
    out.note("chatter")
    out.result({"version": "1.2.0"})
    print_error(CliError("no such release", code="not_found"), json_mode=True)
    printed = capsys.readouterr()
    documents = [json.loads(part) for part in printed.out.replace("}\n{", "}\x00{").split("\x00")]
    assert documents[0] == {"version": "1.2.0"}
    assert documents[1]["error"]["code"] == "not_found"
    assert printed.err == "error: no such release [not_found]\n"
