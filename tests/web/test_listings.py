"""The listing page (a mini program on one partner app): who sees it, what is online,
Roll Back, removal requested by the team and decided by the partner app's reviewers,
"Remove" by platform admins (each offered only to who may use it, and enforced), and QR
codes shown on the page and served as PNG and SVG."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.releases.models import Listing
from tests.factories import Actor, Factory
from tests.miniprograms.qrdecode import decode_png
from tests.releases.flow import Scenario, released, scenario
from tests.web.console import Console

ConsoleFor = Callable[[Actor], Console]
TEMPLATE = "wallet://mini?appId={app_id}&page={page}&query={query}"


def _pair(s: Scenario) -> str:
    return f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}"


def _removal(session_factory: sessionmaker[Any], s: Scenario) -> str:
    with session_factory() as session:
        listing = session.scalar(
            select(Listing).where(Listing.mini_program_id == s.mini_program_id)
        )
        assert listing is not None
        return listing.removal_status


def _qr_events(session_factory: sessionmaker[Any], s: Scenario) -> int:
    with session_factory() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.mini_program_id == s.mini_program_id,
                    AuditEvent.action == "qrcode.create",
                )
            )
            or 0
        )


def test_who_sees_the_listing_and_which_actions_they_are_offered(
    console: ConsoleFor, factory: Factory, client: TestClient
) -> None:
    s = scenario(client, factory)
    first = released(s, "1.0.0")
    second = released(s, "1.1.0")
    team = console(s.developer).get(_pair(s))
    assert team.status_code == 200, team.text
    html = team.text
    assert f'<a href="/releases/{second}">1.1.0</a>' in html
    assert f'href="/releases/{first}"' in html and "Recently released" in html
    assert "Roll Back</button>" in html and '<option value="1.0.0">' in html
    assert "Request removal</button>" in html
    assert "Remove</button>" not in html and "Approve</button>" not in html
    assert f'href="/mini-programs/{s.mini_program_id}"' in html
    reviewer = console(s.partner_reviewer).get(_pair(s))
    assert reviewer.status_code == 200
    assert "Roll Back</button>" not in reviewer.text and "Remove</button>" not in reviewer.text
    assert f'href="/mini-programs/{s.mini_program_id}"' not in reviewer.text  # not theirs to see
    admin = console(s.admin).get(_pair(s))
    assert admin.status_code == 200 and "Remove</button>" in admin.text
    assert "Roll Back</button>" not in admin.text
    for outsider in (
        s.platform_reviewer,
        factory.user(),
        factory.partner_reviewer(factory.partner_app()),
    ):
        assert console(outsider).get(_pair(s)).status_code == 404
    nowhere = f"/mini-programs/{s.mini_program_id}/partner-apps/nope"
    assert console(s.developer).get(nowhere).status_code == 404


def test_roll_back_to_an_earlier_version(
    console: ConsoleFor, factory: Factory, client: TestClient
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    released(s, "1.1.0")
    released(s, "1.2.0")
    assert console(s.partner_reviewer).post(f"{_pair(s)}/rollback").status_code == 403
    page = console(s.developer)
    html = page.get(_pair(s)).text
    assert html.index('<option value="1.1.0">') < html.index('<option value="1.0.0">')
    done = page.post(f"{_pair(s)}/rollback", {"version": "1.0.0"})
    assert done.status_code == 303 and done.headers["location"] == f"{_pair(s)}?done=rollback"
    after = page.get(done.headers["location"]).text
    assert "Rolled back" in after
    assert s.ok("GET", _pair(s))["online"]["version"] == "1.0.0"
    refused = page.post(f"{_pair(s)}/rollback", {"version": "0.0.1"})
    assert refused.status_code == 422 and "is not one of the last 5" in refused.text
    assert s.ok("GET", _pair(s))["online"]["version"] == "1.0.0"


def test_removal_requested_by_the_team_and_decided_by_the_partner_reviewer(
    console: ConsoleFor, factory: Factory, client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    team, reviewer = console(s.developer), console(s.partner_reviewer)
    assert reviewer.post(f"{_pair(s)}/removal").status_code == 403
    asked = team.post(f"{_pair(s)}/removal", {"reason": "closing the shop"})
    assert asked.status_code == 303 and _removal(session_factory, s) == "requested"
    assert "Approve</button>" not in team.get(_pair(s)).text
    assert team.post(f"{_pair(s)}/removal/review", {"decision": "approve"}).status_code == 403
    waiting = reviewer.get(_pair(s)).text
    assert "Approve</button>" in waiting and "Reject</button>" in waiting
    assert "closing the shop" in waiting
    rejected = reviewer.post(f"{_pair(s)}/removal/review", {"decision": "reject", "comment": "no"})
    assert rejected.status_code == 303 and _removal(session_factory, s) == "none"
    assert team.post(f"{_pair(s)}/removal").status_code == 303
    approved = reviewer.post(f"{_pair(s)}/removal/review", {"decision": "approve"})
    assert approved.status_code == 303 and _removal(session_factory, s) == "removed"
    assert "Removal approved" in reviewer.get(approved.headers["location"]).text


def test_a_refused_action_is_shown_on_the_page(
    console: ConsoleFor, factory: Factory, client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    s.release("1.0.0")
    refused = console(s.developer).post(f"{_pair(s)}/removal", {"reason": "x"})
    assert refused.status_code == 409
    assert "nothing is online on this partner app to remove" in refused.text
    assert "<h1>" in refused.text  # the listing page itself, not an error page
    assert _removal(session_factory, s) == "none"


def test_force_removal_is_for_platform_admins(
    console: ConsoleFor, factory: Factory, client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    for who in (s.developer, s.partner_reviewer, s.owner):
        assert console(who).post(f"{_pair(s)}/force-removal").status_code == 403
    assert _removal(session_factory, s) == "none"
    admin = console(s.admin)
    done = admin.post(f"{_pair(s)}/force-removal", {"reason": "terms of service"})
    assert done.status_code == 303 and _removal(session_factory, s) == "removed"
    after = admin.get(done.headers["location"]).text
    assert "Removed from this partner app." in after and "Remove</button>" not in after
    assert "terms of service" in after


def test_promo_qr_code_is_shown_and_served_as_png_and_svg(
    console: ConsoleFor, factory: Factory, client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory, deep_link_template=TEMPLATE)
    released(s, "1.0.0")
    page = console(s.developer)
    asked = page.get(_pair(s), params={"kind": "promo", "query": "from=poster", "format": "png"})
    assert asked.status_code == 200, asked.text
    link = f"wallet://mini?appId={s.app_id}&amp;page=&amp;query=from%3Dposter"
    assert link in asked.text
    assert _qr_events(session_factory, s) == 0  # issued when the image is served
    src = asked.text.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
    assert src.startswith(f"/mini-programs/{s.mini_program_id}/qrcodes.png?")
    image = page.get(src)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    deep_link = image.headers["X-Deep-Link"]
    assert decode_png(image.content) == [deep_link] and deep_link == link.replace("&amp;", "&")
    assert _qr_events(session_factory, s) == 1
    svg = page.get(src.replace("qrcodes.png", "qrcodes.svg") + "&download=1")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<?xml") and "<svg" in svg.text
    assert svg.headers["content-disposition"].startswith("attachment;")
    assert console(factory.user()).get(src).status_code == 404


def test_qr_code_refusals_are_shown_next_to_the_form(
    console: ConsoleFor, factory: Factory, client: TestClient
) -> None:
    s = scenario(client, factory, deep_link_template=TEMPLATE)
    page = console(s.developer)
    early = page.get(_pair(s), params={"kind": "promo", "format": "png"})
    assert early.status_code == 404 and "nothing of this mini program is online" in early.text
    released(s, "1.0.0")
    reserved = page.get(_pair(s), params={"kind": "promo", "query": "mr_kind=x", "format": "svg"})
    assert reserved.status_code == 422 and 'id="qr-error"' in reserved.text
    assert 'aria-describedby="qr-error"' in reserved.text and "reserved" in reserved.text
    preview = page.get(_pair(s), params={"kind": "preview", "page": "pages/index/index"})
    assert preview.status_code == 200
    assert "mr_kind%3Dpreview" in preview.text and "qrcodes.png?kind=preview" in preview.text
    assert "release_id=rel_" in preview.text
