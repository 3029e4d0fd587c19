"""What every child process of the compatibility lab does first (``lab_process.py``, and
``runtime/child.py`` for the engine): keep the real stdout for the protocol, stay out of
the terminal's signals and leave no core file, and leave when its parent is gone."""

from __future__ import annotations

import os
import resource
import signal
import threading
import time
from typing import BinaryIO

_PARENT_CHECK_SECONDS = 1.0


def protocol_channel() -> BinaryIO:
    """The real stdout, for answers; a stray print (ours or a library's) goes to stderr,
    where the parent keeps the tail to quote if this process goes down."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return answers


# CPU priorities of the lab's processes (the engine processes they start inherit theirs):
# "idle" runs only on a core nothing else wants (Linux's SCHED_IDLE, plus a niceness
# elsewhere), so launches answered beside a compatibility run are as fast as without it;
# "low" is a niceness of 10; "normal" is the server's own, for machines that only test.
PRIORITIES = ("idle", "low", "normal")
_LOW_NICENESS = 10


def detach(priority: str = "normal") -> None:
    """The parent stops a child by closing its stdin, or kills it: a Ctrl-C meant for the
    server must not print a traceback here. A lower ``priority`` lets the server's
    requests come first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    if priority != "normal":
        os.nice(_LOW_NICENESS)
    if priority == "idle" and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def exit_with_parent() -> None:
    """Leave once the parent is gone: killed with SIGKILL, it leaves this process inside
    a request, where a closed stdin is not noticed until the request ends."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
