"""``minirelease mini-programs list|show|update`` against a real demo server."""

from __future__ import annotations

import json

from tests.cli.live_demo import DemoServer, demo_server

__all__ = ["demo_server"]


def test_list_show_update_round_trip(demo_server: DemoServer) -> None:
    mp_id, ws_id = demo_server.mini_program_id, demo_server.workspace_id

    everything = demo_server.json("mini-programs", "list")
    assert [(m["id"], m["workspace_id"], m["name"]) for m in everything] == [
        (mp_id, ws_id, "Coffee Order")
    ]
    assert demo_server.json("mini-programs", "list", "--workspace", ws_id) == everything
    table = demo_server.cli("mini-programs", "list", process=True)
    assert table.returncode == 0 and mp_id in table.stdout and "Coffee Order" in table.stdout

    shown = demo_server.json("mini-programs", "show", mp_id)
    assert shown == everything[0]
    assert shown["tester_user_ids"] == ["tester-001", "tester-002"]

    testers = demo_server.home / "testers.txt"
    testers.write_text("# QA team\ntester-101\n\ntester-102  # lead\n")
    h5 = demo_server.home / "h5.txt"
    h5.write_text("m.coffee.example.com\n")
    updated = demo_server.json(
        "mini-programs", "update", mp_id,
        "--name", "Coffee Order Plus",
        "--description", "Order ahead, skip the queue.",
        "--category", "shopping",
        "--server-domain", "api.coffee.example.com",
        "--server-domain", "pay.coffee.example.com",
        "--h5-domains-file", str(h5),
        "--testers-file", str(testers),
        "--tester", "tester-103",
    )  # fmt: skip
    assert updated["name"] == "Coffee Order Plus"
    assert updated["description"] == "Order ahead, skip the queue."
    assert updated["category"] == "shopping"
    assert updated["server_domains"] == ["api.coffee.example.com", "pay.coffee.example.com"]
    assert updated["h5_domains"] == ["m.coffee.example.com"]
    assert updated["tester_user_ids"] == ["tester-101", "tester-102", "tester-103"]
    assert demo_server.json("mini-programs", "show", mp_id) == updated

    # An empty list file clears the list; what is not given stays as it was.
    testers.write_text("")
    cleared = demo_server.json("mini-programs", "update", mp_id, "--testers-file", str(testers))
    assert cleared["tester_user_ids"] == []
    assert cleared["server_domains"] == updated["server_domains"]
    assert cleared["name"] == "Coffee Order Plus"

    human = demo_server.cli("mini-programs", "show", mp_id)
    assert human.returncode == 0
    assert "pay.coffee.example.com" in human.stdout and "\x1b[" not in human.stdout


def test_refusals_exit_with_the_servers_code(demo_server: DemoServer) -> None:
    mp_id = demo_server.mini_program_id
    bad = demo_server.cli("mini-programs", "update", mp_id, "--category", "no-such", "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["error"]["code"] == "validation_error"
    assert bad.stderr.startswith("error: ") and "[validation_error]" in bad.stderr

    unknown = demo_server.cli("mini-programs", "show", "mp_00000000000000000000000000")
    assert unknown.returncode == 1 and "[not_found]" in unknown.stderr

    nothing = demo_server.cli("mini-programs", "update", mp_id)
    assert nothing.returncode == 2 and "[nothing_to_change]" in nothing.stderr

    # Outside the workspace, the mini program is not there at all.
    outsider = demo_server.cli(
        "mini-programs", "update", mp_id, "--name", "X", user="wallet-reviewer"
    )
    assert outsider.returncode == 1, outsider.stderr
    assert "[not_found]" in outsider.stderr
