from __future__ import annotations

from minirelease.jobs.workerid import WorkerId, is_orphaned

ALIVE_PIDS = {4242}


def _orphaned(claimed_by: str, *, live: tuple[str, ...] = ("now",)) -> bool:
    return is_orphaned(
        claimed_by,
        node="host-a",
        pid=100,
        live_incarnations=live,
        pid_alive=lambda pid: pid in ALIVE_PIDS,
    )


def test_worker_id_round_trips_through_text() -> None:
    worker = WorkerId(node="web.example/1", pid=77, incarnation="ab12", thread=3)
    assert str(worker) == "web.example/1/77/ab12/3"
    assert WorkerId.parse(str(worker)) == worker
    assert worker.node_prefix == "web.example/1/"


def test_malformed_worker_ids_do_not_parse() -> None:
    for text in ("", "host", "host/1/x", "host/pid/x/0", "host/1/x/t", "/1/x/0"):
        assert WorkerId.parse(text) is None, text


def test_a_dead_process_on_this_node_is_orphaned() -> None:
    assert _orphaned("host-a/5151/old/0")


def test_a_live_process_on_this_node_is_not() -> None:
    assert not _orphaned("host-a/4242/other/1")


def test_this_process_under_a_stopped_pool_start_is_orphaned() -> None:
    assert _orphaned("host-a/100/old/0")
    assert not _orphaned("host-a/100/now/0")


def test_other_nodes_and_unparseable_ids_are_left_to_the_lease() -> None:
    assert not _orphaned("host-b/5151/old/0")
    assert not _orphaned("not a worker id")
