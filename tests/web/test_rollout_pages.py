"""The release page's rollout section (issue 8): review decisions, Pilot, Grayscale with
raising only, Pause / Resume / Halt / Full Release / Cancel as the state machine allows,
the ramp plan and its gate, the charts; permissions as the API's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from minirelease.audit import AuditEvent
from minirelease.db import utcnow
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import RampPlan, Release
from minirelease.telemetry import service as telemetry
from tests.factories import Actor, Factory
from tests.releases.flow import Scenario, released, scenario
from tests.web.console import Console


@dataclass
class Button:
    text: str
    action: str  # the form's action
    disabled: bool
    value: str | None
    confirm: str | None


class _Buttons(HTMLParser):
    """Every submit button of a page, with its form."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Button] = []
        self._form: dict[str, str | None] = {}
        self._button: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self._form = dict(attrs)
        elif tag == "button":
            self._button, self._text = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            self.found.append(
                Button(
                    text=self._text.strip(),
                    action=self._form.get("action") or "",
                    disabled="disabled" in self._button,
                    value=self._button.get("value"),
                    confirm=self._form.get("data-confirm"),
                )
            )
            self._button = None


def buttons(html: str) -> dict[str, Button]:
    """The page's buttons by text (percentages by their value: "5 %")."""
    parser = _Buttons()
    parser.feed(html)
    return {b.text: b for b in parser.found}


def section(page: Console, release_id: str) -> str:
    response = page.get(f"/releases/{release_id}/rollout")
    assert response.status_code == 200, response.text
    assert 'id="rollout"' in response.text
    return response.text


def state(factory: Factory, release_id: str) -> tuple[str, int, bool, bool]:
    with factory.session_factory() as session:
        release = session.get(Release, release_id)
        assert release is not None
        return release.status, release.basis_points, release.paused, release.halted


def events(factory: Factory, release_id: str) -> int:
    with factory.session_factory() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.release_id == release_id)
            )
            or 0
        )


def done(page: Console, path: str, data: dict[str, str] | None = None) -> None:
    response = page.post(path, data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/".join(path.split("/")[:3]) + "#rollout"


@pytest.fixture
def world(client: TestClient, factory: Factory) -> Scenario:
    """1.0.0 online; 1.1.0 approved, both sides having commented."""
    s = scenario(client, factory)
    with factory.session_factory() as session:
        program = session.get(MiniProgram, s.mini_program_id)
        assert program is not None
        program.tester_user_ids = ["qa-1", "qa-2"]
        session.commit()
    released(s, "1.0.0")
    s.upload("1.1.0")
    return s


def approved(s: Scenario) -> str:
    release_id = s.approved("1.1.0")
    return release_id


def test_pilot_then_grayscale_raising_only_then_full_release(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    s = world
    release_id = s.release("1.1.0")
    s.run_jobs()
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    s.run_jobs()
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    page = console(s.developer)
    html = section(page, release_id)
    assert html.count("waiting") == 2  # both review sides
    assert not buttons(html)  # under review: nothing to press here (Withdraw is Apply's)
    s.review(release_id, "platform", "approve", "looks good")
    s.review(release_id, "partner", "approve", "ship it")
    html = section(page, release_id)
    assert "looks good" in html and "ship it" in html and "waiting" not in html
    assert html.count("badge-approved") == 2

    # Release preparation: Pilot (testers prefilled), Grayscale, Full Release, Cancel.
    shown = buttons(html)
    assert {"Pilot", "1 %", "Full Release", "Cancel"} <= set(shown)
    assert not {"Pause", "Resume", "Halt", "Complete pilot"} & set(shown)
    assert "qa-1\nqa-2</textarea>" in html
    assert "Start with a ramp plan" in html
    assert shown["Full Release"].confirm and shown["Cancel"].confirm

    base = f"/releases/{release_id}"
    done(page, f"{base}/pilot", {"tester_user_ids": "qa-1\r\nqa-2\r\n\r\n"})
    assert state(factory, release_id)[0] == "pilot"
    shown = buttons(section(page, release_id))
    assert {"Update testers", "Complete pilot", "Cancel"} <= set(shown)
    assert "1 %" not in shown and "Full Release" not in shown
    done(page, f"{base}/pilot", {"tester_user_ids": "qa-3"})
    with factory.session_factory() as session:
        release = session.get(Release, release_id)
        assert release is not None and release.pilot_tester_ids == ["qa-3"]
    done(page, f"{base}/pilot/complete")
    assert state(factory, release_id)[0] == "approved"

    done(page, f"{base}/grayscale", {"percentage": "1"})
    assert state(factory, release_id)[:2] == ("grayscale", 100)
    done(page, f"{base}/grayscale", {"percentage": "5"})
    assert state(factory, release_id)[:2] == ("grayscale", 500)

    html = section(page, release_id)
    shown = buttons(html)
    assert shown["1 %"].disabled and shown["5 %"].disabled
    assert not shown["10 %"].disabled and not shown["50 %"].disabled
    assert "the grayscale ratio only goes up (now 5%)" in html
    assert "Start with a ramp plan" not in html  # a plan is given when it starts
    assert {"Pause", "Halt", "Full Release", "Cancel"} <= set(shown)
    assert "Resume" not in shown

    # Lowering anyway: the state machine's refusal, as the API gives it; nothing changes.
    before = events(factory, release_id)
    refused = page.post(f"{base}/grayscale", {"percentage": "1"})
    assert refused.status_code == 409
    assert "text/html" in refused.headers["content-type"]
    assert "only goes up" in refused.text
    assert state(factory, release_id)[:2] == ("grayscale", 500)
    assert events(factory, release_id) == before

    done(page, f"{base}/pause")
    assert state(factory, release_id)[2:] == (True, False)
    html = section(page, release_id)
    shown = buttons(html)
    assert {"Resume", "Halt", "Full Release", "Cancel"} <= set(shown)
    assert "Pause" not in shown and "10 %" not in shown
    assert "the grayscale is paused; resume it first" in html
    done(page, f"{base}/resume")
    done(page, f"{base}/halt")
    assert state(factory, release_id)[2:] == (False, True)
    shown = buttons(section(page, release_id))
    assert {"Resume", "Cancel"} <= set(shown)
    assert not {"Pause", "Halt", "Full Release"} & set(shown)
    done(page, f"{base}/resume")
    done(page, f"{base}/full-release")
    assert state(factory, release_id)[:2] == ("released", 10_000)

    html = section(page, release_id)
    shown = buttons(html)
    assert not {"Pause", "Resume", "Halt", "Full Release", "Cancel", "Pilot"} & set(shown)
    # The percentage chart: pilot, grayscale 1 → 5, pause, resume, halt, resume, released.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "Full Release, from 5 %" in html and "Grayscale, from 1 %" in html
    assert "Halted" in html and "Paused" in html  # the bands' legend


def test_htmx_gets_the_section_back_and_a_reload_when_the_status_moved(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    page = console(world.developer)
    whole = page.get(f"/releases/{release_id}")
    assert whole.status_code == 200 and '<section id="rollout"' in whole.text

    started = page.htmx("POST", f"/releases/{release_id}/grayscale", data={"percentage": "2"})
    assert started.status_code == 200
    assert started.text.lstrip().startswith('<section id="rollout"')
    assert started.headers["HX-Trigger"] == "release-changed"
    assert started.headers["HX-Refresh"] == "true"  # approved → grayscale: steps moved
    raised = page.htmx("POST", f"/releases/{release_id}/grayscale", data={"percentage": "3"})
    assert raised.status_code == 200 and "HX-Refresh" not in raised.headers
    assert 'id="rollout-percentage">3 %' in raised.text
    offers = buttons(raised.text)
    assert offers["1 %"].disabled and not offers["5 %"].disabled

    refused = page.htmx("POST", f"/releases/{release_id}/grayscale", data={"percentage": "1"})
    assert refused.status_code == 409
    assert refused.headers["HX-Retarget"] == "#alerts"
    assert "only goes up" in refused.text

    canceled = page.htmx("POST", f"/releases/{release_id}/cancel")
    assert canceled.status_code == 200 and canceled.headers["HX-Refresh"] == "true"
    assert state(factory, release_id)[0] == "canceled"
    assert not buttons(canceled.text)  # nothing left to do


def test_a_grayscale_needs_a_version_online_and_says_so(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.approved("1.0.0")
    html = section(console(s.developer), release_id)
    assert "a grayscale needs a version already online; release the first one fully" in html
    shown = buttons(html)
    assert "1 %" not in shown and {"Pilot", "Full Release", "Cancel"} <= set(shown)


def test_starting_with_a_ramp_plan_shows_its_next_step_and_gate(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    page = console(world.developer)
    base = f"/releases/{release_id}"
    bad = page.post(f"{base}/grayscale", {"plan_steps": "5, 60\n2"})
    assert bad.status_code == 422 and "steps must rise strictly" in bad.text
    assert state(factory, release_id)[0] == "approved"
    done(
        page,
        f"{base}/grayscale",
        {
            "plan_steps": "1%, 60\n10 120\n50",
            "gate": "on",
            "gate_ratio": "3",
            "gate_delta": "2",
            "gate_min_samples": "100",
        },
    )
    assert state(factory, release_id)[:2] == ("grayscale", 100)
    with factory.session_factory() as session:
        plan = session.scalar(select(RampPlan).where(RampPlan.release_id == release_id))
        assert plan is not None and plan.status == "active"
        assert plan.gate == {
            "max_failure_rate_ratio": 3.0,
            "max_failure_rate_delta": 0.02,
            "min_samples": 100,
        }
    html = section(page, release_id)
    assert "Ramp plan" in html and "Next step: 10 %" in html
    assert "badge-waiting" in html  # the gate has not enough outcomes yet
    assert "0 of the 100 outcomes needed" in html
    done(page, f"{base}/pause")
    assert "frozen while the grayscale is paused or halted" in section(page, release_id)


def test_launches_by_version_are_charted_from_telemetry(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    page = console(world.developer)
    html = section(page, release_id)
    assert "Launches by version, per hour" in html
    assert html.count("No data yet.") == 2  # nothing rolled out, nothing reported
    done(page, f"/releases/{release_id}/grayscale", {"percentage": "10"})
    with factory.session_factory() as session:
        online = session.scalar(
            select(Release.id).where(Release.version == "1.0.0", Release.status == "released")
        )
        partner = session.scalar(select(PartnerApp).where(PartnerApp.code == world.partner))
        assert online is not None and partner is not None
        now = utcnow()
        batch = [
            telemetry.Event(world.app_id, "1.0.0", online, telemetry.Outcome.OK, 90),
            telemetry.Event(world.app_id, "1.1.0", release_id, telemetry.Outcome.OK, 9),
            telemetry.Event(world.app_id, "1.1.0", release_id, telemetry.Outcome.CRASH, 1),
        ]
        telemetry.record(session, partner, batch, now=now - dt.timedelta(hours=2))
        telemetry.record(session, partner, batch[:1], now=now)
        session.commit()
    html = section(page, release_id)
    assert html.count("No data yet.") == 0
    assert "1.1.0 (this release)" in html and "1.0.0 (online)" in html
    assert "1.0.0 (online): 180 launches, 0 failed" in html
    assert "1.1.0 (this release): 10 launches, 1 failed (10 %)" in html


def test_reviewers_see_the_decisions_and_nothing_to_press(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    for reviewer in (world.platform_reviewer, world.partner_reviewer):
        page = console(reviewer)
        html = section(page, release_id)
        assert html.count("badge-approved") == 2
        assert not buttons(html)
        refused = page.post(f"/releases/{release_id}/grayscale", {"percentage": "5"})
        assert refused.status_code == 403
        assert page.post(f"/releases/{release_id}/cancel").status_code == 403
    assert state(factory, release_id)[0] == "approved"


def test_outsiders_get_404_for_the_section_and_every_action(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    outsider = console(factory.user())
    assert outsider.get(f"/releases/{release_id}/rollout").status_code == 404
    for path, data in (
        ("pilot", {"tester_user_ids": "qa-1"}),
        ("pilot/complete", {}),
        ("grayscale", {"percentage": "5"}),
        ("pause", {}),
        ("resume", {}),
        ("halt", {}),
        ("full-release", {}),
        ("cancel", {}),
    ):
        assert outsider.post(f"/releases/{release_id}/{path}", data).status_code == 404
    assert state(factory, release_id)[0] == "approved"


def test_every_action_needs_the_csrf_token(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    page = console(world.developer)
    response = page.client.post(f"/releases/{release_id}/cancel", follow_redirects=False)
    assert response.status_code == 403
    assert state(factory, release_id)[0] == "approved"


def test_the_section_costs_the_same_queries_however_long_its_history(
    world: Scenario, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    release_id = approved(world)
    page = console(world.developer)
    base = f"/releases/{release_id}"
    done(page, f"{base}/grayscale", {"percentage": "1"})

    def queries() -> int:
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(Engine, "before_cursor_execute", count)
        try:
            section(page, release_id)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        return len(statements)

    short = queries()
    for _ in range(5):
        done(page, f"{base}/pause")
        done(page, f"{base}/resume")
    assert queries() == short < 60
