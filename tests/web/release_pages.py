"""Shared by the release page's tests: a scenario (tests/releases/flow.py) with consoles
signed in for its people, and small readers of the page's HTML."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.factories import Actor, Factory
from tests.releases.flow import Scenario, scenario
from tests.web.console import Console


@dataclass
class Pages:
    s: Scenario
    team: Console  # the developer assigned to the mini program
    signed_in: Callable[[Actor], Console]

    def page(self, release_id: str, who: Console | None = None) -> str:
        response = (who or self.team).get(f"/releases/{release_id}")
        assert response.status_code == 200, response.text
        return response.text

    def status(self, release_id: str) -> str:
        return self.s.status(release_id)


def pages(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console], **partner: object
) -> Pages:
    s = scenario(client, factory, **partner)
    return Pages(s, console(s.developer), console)


def section(html: str, section_id: str) -> str:
    """The HTML of ``<section id=section_id …>…</section>`` (sections do not nest)."""
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"the page has a #{section_id} section"
    return match.group(0)


def current_step(html: str) -> str:
    match = re.search(r'<li[^>]*aria-current="step"[^>]*>([^<]+)', html)
    assert match, "a step is marked current"
    return match.group(1).strip()


def done_steps(html: str) -> list[str]:
    return [label.strip() for label in re.findall(r'<li class="done"[^>]*>([^<]+)', html)]
