"""The README's receiver, exactly as printed, accepts a real signed delivery and refuses
a tampered one, a stale one and another secret's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from minirelease.webhooks import signing
from tests.factories import Factory
from tests.releases.flow import scenario
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery_flow import register

README = Path(__file__).resolve().parents[2] / "README.md"

Verify = Callable[[str, dict[str, str], bytes], bool]


def readme_receiver() -> Verify:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    [snippet] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(snippet.strip().splitlines()) <= 12, "the receiver is meant to be short"
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md (Webhooks)", "exec"), namespace)
    verify: Verify = namespace["verify"]
    return verify


def test_the_readme_receiver_verifies_a_real_delivery(
    client: TestClient, factory: Factory, receiver: Receiver
) -> None:
    verify = readme_receiver()
    s = scenario(client, factory)
    webhook = register(s, receiver)
    s.ok("POST", f"/webhooks/{webhook['id']}/ping", s.owner)
    s.run_jobs()
    [delivery] = receiver.received
    headers, body = delivery.headers, delivery.body
    assert verify(webhook["secret"], headers, body)
    assert not verify(webhook["secret"], headers, body.replace(b"ping", b"pong"))
    assert not verify(signing.generate_secret(), headers, body)
    stale = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 301)}
    assert not verify(webhook["secret"], stale, body)

    # After a rotation, a receiver still holding the old secret accepts deliveries.
    s.ok("POST", f"/webhooks/{webhook['id']}/rotate-secret", s.owner)
    s.ok("POST", f"/webhooks/{webhook['id']}/ping", s.owner)
    s.run_jobs()
    rotated = receiver.received[1]
    assert verify(webhook["secret"], rotated.headers, rotated.body)
