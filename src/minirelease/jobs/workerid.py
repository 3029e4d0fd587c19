"""Worker identities, and telling from one whether its process is gone.

A worker id is ``node/pid/incarnation/thread``: the node (host name by default), the
operating-system process, a random token for one start of a pool, and the thread's
number. From it a pool can tell, without waiting for a lease to run out, that a job
was claimed on this same node by a process that no longer exists (killed, crashed) or
by an earlier start of a pool in this very process, and re-queue that job at once.
Jobs claimed on other nodes are judged by their lease alone."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerId:
    node: str
    pid: int
    incarnation: str
    thread: int

    def __str__(self) -> str:
        return f"{self.node}/{self.pid}/{self.incarnation}/{self.thread}"

    @property
    def node_prefix(self) -> str:
        return f"{self.node}/"

    @classmethod
    def parse(cls, text: str) -> WorkerId | None:
        # Split from the right: only the node may contain the separator.
        parts = text.rsplit("/", 3)
        if len(parts) != 4 or not parts[0] or not parts[1].isdigit() or not parts[3].isdigit():
            return None
        return cls(node=parts[0], pid=int(parts[1]), incarnation=parts[2], thread=int(parts[3]))


def is_orphaned(
    claimed_by: str,
    *,
    node: str,
    pid: int,
    live_incarnations: Collection[str],
    pid_alive: Callable[[int], bool],
) -> bool:
    """True when ``claimed_by`` certainly no longer runs: claimed on ``node`` by a dead
    process, or by this process (``pid``) in a pool start that is not live any more."""
    owner = WorkerId.parse(claimed_by)
    if owner is None or owner.node != node:
        return False
    if owner.pid == pid:
        return owner.incarnation not in live_incarnations
    return not pid_alive(owner.pid)
