"""An API process's rollout cache wakes on PostgreSQL's NOTIFY (issue 11, item 1): a real
``serve --no-jobs`` process polling the rollout serial only once a minute still serves a
change another process committed within a second; on SQLite its poll is what does it."""

from __future__ import annotations

import time

import httpx2

from minirelease.rollout import serial
from minirelease.uow import UnitOfWork
from tests.releases.live import ServerProcess, wait_until
from tests.releases.stack import API, Stack

LONG_POLL_SECONDS = 60.0


def test_a_rollout_change_reaches_an_api_process_with_a_long_poll_at_once(stack: Stack) -> None:
    postgres = stack.url.startswith("postgresql")
    poll = LONG_POLL_SECONDS if postgres else 0.2
    server = ServerProcess(
        stack.url,
        stack.data_dir,
        stack.logs / "api.log",
        env={"MINIRELEASE_ROLLOUT_POLL_SECONDS": str(poll)},
        command=("serve", "--no-jobs"),
    )
    stack.servers.append(server)
    server.wait_ready()

    def served_serial() -> int:
        response = httpx2.get(f"{server.base_url}{API}/partner-apps/{stack.partner}/manifest")
        assert response.status_code == 200, response.text
        return int(response.json()["manifest"]["serial"])

    before = served_serial()
    time.sleep(0.5)  # its LISTEN connection is up (had it not been, connecting catches up)
    # A change committed by another process: this test's own connection.
    with UnitOfWork(stack.sessions) as uow:
        serial.bump(uow.session)
        uow.commit()
    changed = time.monotonic()
    wait_until(lambda: served_serial() == before + 1, timeout=5, interval=0.02)
    assert time.monotonic() - changed < 1.0
