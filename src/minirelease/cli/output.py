"""What a client command prints: one JSON document on stdout with ``--json``, readable
lines and tables otherwise; errors as one line on stderr.

Rich is imported only when something is drawn for a person, so ``--json`` commands start
fast. Colour and progress bars appear only on a terminal, and never with ``NO_COLOR``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from minirelease.cli.exits import CliError

if TYPE_CHECKING:
    from rich.console import Console

Progress = Callable[[int, int], None]  # (done, total)


def _interactive(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


class Output:
    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            interactive = _interactive(sys.stdout)
            self._console = Console(
                file=sys.stdout,
                no_color=not interactive,
                highlight=False,
                soft_wrap=not interactive,
                force_terminal=interactive or None,
                width=None if interactive else 200,
            )
        return self._console

    def result(self, data: Any, human: Callable[[Output], None] | str | None = None) -> None:
        """The command's answer: ``data`` as JSON, or ``human`` drawn for a person."""
        if self.json_mode:
            sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
        elif callable(human):
            human(self)
        elif human is not None:
            self.line(human)
        else:
            self.line(json.dumps(data, indent=2, sort_keys=True, default=str))

    def line(self, text: str) -> None:
        if self.json_mode:
            return
        self.console.print(text, markup=False)

    def note(self, text: str) -> None:
        """Progress chatter for a person: stderr, never mixed into ``--json`` output."""
        if not self.json_mode:
            print(text, file=sys.stderr)

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
        if self.json_mode:
            return
        from rich.table import Table

        table = Table(title=title or None, show_lines=False, expand=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        self.console.print(table)

    def fields(self, pairs: Sequence[tuple[str, Any]]) -> None:
        """A record as aligned ``name: value`` lines."""
        width = max((len(name) for name, _ in pairs), default=0)
        for name, value in pairs:
            shown = "" if value is None else value
            self.line(f"{name.ljust(width)}  {shown}")

    @contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[Progress]:
        """A progress bar on a terminal; a no-op update function anywhere else."""
        if self.json_mode or not _interactive(sys.stderr):
            yield lambda done, total: None
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        counter = DownloadColumn() if description.startswith("upload") else MofNCompleteColumn()
        columns = (TextColumn("{task.description}"), BarColumn(), counter, TimeRemainingColumn())
        with Bar(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(description, total=total)

            def update(done: int, new_total: int) -> None:
                bar.update(task, completed=done, total=new_total or None)

            yield update


def print_error(error: CliError, *, json_mode: bool) -> None:
    """One line on stderr (``error: detail [code]``); with ``--json`` the problem is also
    the one document on stdout, so a script parsing stdout always gets JSON."""
    print(f"error: {error.detail} [{error.code}]", file=sys.stderr)
    if json_mode:
        sys.stdout.write(json.dumps(error.as_json(), sort_keys=True) + "\n")
