"""The whole release process through the console's pages, in Chromium, as the people who
do it: the team (developer, owner), the platform's reviewer and Lite Wallet's reviewer,
each in a browser context of their own.

Coffee Order 1.1.0 calls ``my.scan``, which Lite Wallet's profile lacks, so its report
there fails and Lite Wallet (which blocks failing reports) refuses it; 1.1.1 is the fix
and goes the whole way: review, pilot, grayscale, full release, QR code, roll back to the
version online before it (1.0.0, put online over the API beforehand: a grayscale needs a
version online), and removal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from minirelease.releases.models import CompatibilityRun, Release
from tests.miniprograms.qrdecode import decode_png
from tests.web.browser.chromium import Tabs
from tests.web.browser.live import LiveConsole
from tests.web.browser.world import SCAN_CALL, SCAN_FILE, SCAN_LINE, DemoApi, coffee_zip

UPLOAD = re.compile(r"/mini-programs/mp_\w+/versions$")
JOBS_MS = 30_000  # builds and compatibility runs: the page polls every 2 s


@pytest.mark.slow
def test_release_journey(tabs: Tabs, live_console: LiveConsole) -> None:
    api = DemoApi(live_console)
    try:
        api.online("1.0.0", "lite")
        team = tabs.signed_in("developer")
        program = f"/mini-programs/{live_console.people.mini_program_id}"

        failing = first_version_on_two_apps(team, program)
        refused_for_its_finding(team)
        fixed = fix_on_lite(team, program)
        applied(team)
        approved_from_the_queues(tabs, fixed)
        rolled_out(team, fixed)
        owner = tabs.signed_in("owner")
        listing = f"{program}/partner-apps/lite"
        promo_code_opens_the_program(owner, listing, live_console.people.app_id)
        rolled_back_then_removed(tabs, owner, listing)

        final_state_as_the_api_and_the_database_hold_it(api, live_console, failing, fixed)
    finally:
        api.close()


def final_state_as_the_api_and_the_database_hold_it(
    api: DemoApi, live: LiveConsole, failing: str, fixed: str
) -> None:
    lite = api.listing("lite")
    assert lite["removal"]["status"] == "removed", lite
    assert [r["version"] for r in lite["recent_releases"]][:2] == ["1.0.0", "1.1.1"], lite
    assert api.release(fixed)["status"] == "rolled_back"
    assert api.release(failing)["status"] == "tested"
    superapp = api.call("GET", "/releases", "admin", params={"partner_app": "superapp"})
    assert [(r["version"], r["status"]) for r in superapp["items"]] == [("1.1.0", "awaiting_test")]
    with live.session_factory() as session:
        shipped = session.get(Release, fixed)
        assert shipped is not None
        assert shipped.basic_info is not None
        assert shipped.basic_info["description"] == "Order ahead, now with table service."
        assert (shipped.platform_decision, shipped.partner_decision) == ("approve", "approve")
        assert shipped.pilot_tester_ids == ["tester-001", "tester-002"]
        assert shipped.basis_points == 10_000
        refused = session.get(Release, failing)
        assert refused is not None
        assert (refused.build_number, refused.configuration["source_maps"]) == (2, True)
        runs = session.scalars(
            select(CompatibilityRun.summary)
            .where(CompatibilityRun.release_id == refused.id)
            .order_by(CompatibilityRun.id)
        ).all()
        assert [(r["status"], r["findings"]) for r in runs if r] == [("fail", 1), ("fail", 1)]


def first_version_on_two_apps(team: Any, program: str) -> str:
    """Upload 1.1.0 (its progress shown by static/upload.js), Release → Choose App for
    SuperApp and Lite Wallet → Confirm; the Lite Wallet release's id."""
    upload(team, program, "1.1.0", coffee_zip("1.1.0", scans=True))
    team.get_by_role("row").filter(has_text="1.1.0").get_by_role("link", name="Release").click()
    expect(team.get_by_role("heading", name="Release Coffee Order 1.1.0")).to_be_visible()
    team.get_by_label("SuperApp").check()
    team.get_by_label("Lite Wallet").check()
    team.get_by_role("button", name="Confirm").click()
    expect(team.locator("#alerts")).to_contain_text("one release per chosen partner app")
    releases = team.locator("#releases-h + table").get_by_role("row").filter(has_text="1.1.0")
    expect(releases.filter(has_text="superapp")).to_have_count(1)
    lite = releases.filter(has_text="lite")
    expect(lite).to_have_count(1)
    lite.get_by_role("link", name=re.compile("^rel_")).click()
    return release_id(team)


def upload(team: Any, program: str, version: str, package: bytes) -> None:
    """Upload version: static/upload.js sends the form, its progress bar shown and the
    button disabled (seen while the request is held), then the versions page says so."""
    team.goto(f"{program}/versions")
    team.get_by_label("Version", exact=True).fill(version)
    team.get_by_label("Description").fill(f"Coffee Order {version}")
    team.get_by_label("Package").set_input_files(
        {"name": f"coffee-{version}.zip", "mimeType": "application/zip", "buffer": package}
    )
    in_flight: list[Any] = []

    def hold(route: Any) -> None:  # what the page shows while the body is on its way
        bar = team.locator(".upload-progress")
        in_flight.append((bar.is_visible(), bar.inner_text(), submit.is_disabled()))
        route.continue_()

    submit = team.get_by_role("button", name="Upload version")
    team.route(UPLOAD, hold)
    submit.click()
    team.wait_for_url(f"**/versions?uploaded={version}")
    team.unroute(UPLOAD)
    [(shown, text, disabled)] = in_flight
    assert shown and disabled and re.fullmatch(r"Uploading\s+\d+ %", text), in_flight
    expect(team.locator("#alerts")).to_have_text("The version was uploaded.")
    expect(team.get_by_role("row").filter(has_text=f"Coffee Order {version}")).to_be_visible()


def refused_for_its_finding(team: Any) -> None:
    """Test Compatibility (by keyboard) finds the unsupported JSAPI; View Report shows it;
    a configuration change rebuilds and Retest compares; Lite Wallet refuses to apply."""
    built(team, 1)
    compatibility_tested_by_keyboard(team)
    finding = team.locator("table.findings tbody tr")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text("jsapi-unsupported")
    expect(finding).to_contain_text(f"{SCAN_FILE}:{SCAN_LINE}")
    expect(finding).to_contain_text(SCAN_CALL)
    expect(team.locator(".report")).to_contain_text("Verdict fail")
    expect(team.locator("table.heat td.cell.pass")).to_have_count(0)
    expect(team.locator(".report")).to_contain_text("This is the first run of this release.")

    team.get_by_role("link", name="View Report", exact=True).click()
    team.wait_for_url(re.compile(r"/compatibility-runs/run_\w+/report$"))
    expect(team.locator("body")).to_contain_text(SCAN_CALL)
    expect(team.locator("body")).to_contain_text(SCAN_FILE)
    team.go_back()

    team.get_by_text("View Configuration").click()
    team.get_by_label("Source maps").check()
    team.get_by_role("button", name="Save and rebuild").click()
    expect(team.locator("#alerts")).to_contain_text("the package is being rebuilt")
    built(team, 2)
    expect(team.get_by_label("Source maps")).to_be_checked()

    team.get_by_role("button", name="Retest").click()
    finished(team)
    changes = team.locator("dl.changes")
    expect(team.locator(".report")).to_contain_text("Compared with run")
    expect(changes).to_contain_text(re.compile(r"New\s*0\s*Fixed\s*0\s*Unchanged\s*1"))

    apply = team.locator("#apply")
    expect(apply.locator("#apply-refusal")).to_contain_text("Not possible now")
    expect(apply.get_by_role("button", name="Apply to Release")).to_be_disabled()
    expect(status(team)).to_have_text("tested")


def built(team: Any, number: int) -> None:
    """The build section updates by itself, then the page reloads: awaiting its test."""
    expect(team.get_by_role("heading", name=f"Build {number}")).to_be_visible()
    expect(status(team)).to_have_text("awaiting test", timeout=JOBS_MS)
    expect(team.locator("#build")).to_contain_text("succeeded")
    expect(current_step(team)).to_have_text("Compatibility Testing")


def compatibility_tested_by_keyboard(team: Any) -> None:
    """Tab onto "Test Compatibility" from the control before it, press Enter."""
    button = team.get_by_role("button", name="Test Compatibility")
    team.locator("#compat summary").focus()
    team.keyboard.press("Tab")
    expect(button).to_be_focused()
    team.keyboard.press("Enter")
    finished(team)


def finished(team: Any) -> None:
    """A run was started: its progress updates live until the page shows its report."""
    expect(team.locator("#alerts")).to_have_text("Compatibility test started.")
    expect(team.locator("#compat h3").first).to_contain_text("finished", timeout=JOBS_MS)
    expect(status(team)).to_have_text("tested")
    expect(team.locator(".report")).to_be_visible()


def fix_on_lite(team: Any, program: str) -> str:
    """1.1.1 without the call: released to Lite Wallet alone, its test finds nothing."""
    upload(team, program, "1.1.1", coffee_zip("1.1.1"))
    team.get_by_role("row").filter(has_text="1.1.1").get_by_role("link", name="Release").click()
    team.get_by_label("Lite Wallet").check()
    team.get_by_role("button", name="Confirm").click()  # one release: its page
    team.wait_for_url(re.compile(r"/releases/rel_\w+$"))
    built(team, 1)
    team.get_by_role("button", name="Test Compatibility").click()
    finished(team)
    expect(team.locator(".report")).to_contain_text("Verdict pass")
    expect(team.locator(".report")).to_contain_text("No findings: every cell passes.")
    expect(team.locator(".gate")).to_contain_text("Apply to Release uses run")
    return release_id(team)


def applied(team: Any) -> None:
    """Apply to Release with the basic info prefilled, the description edited."""
    form = team.locator("#apply")
    expect(form.get_by_label("Name")).to_have_value("Coffee Order")
    form.get_by_label("Description").fill("Order ahead, now with table service.")
    expect(form).to_contain_text("api.coffee.example.com")
    form.get_by_role("button", name="Apply to Release").click()
    expect(team.locator("#alerts")).to_contain_text("now under review")
    expect(status(team)).to_have_text("in review")
    expect(current_step(team)).to_have_text("Under Review")
    expect(form).to_contain_text("Order ahead, now with table service.")


def approved_from_the_queues(tabs: Tabs, release: str) -> None:
    """The platform's reviewer (by keyboard) and Lite Wallet's each Approve from their
    queue's review sheet."""
    for name, keyboard in (("platform-reviewer", True), ("lite-reviewer", False)):
        reviewer = tabs.signed_in(name)
        reviewer.get_by_role("link", name="Reviews").click()
        queued = reviewer.get_by_role("row").filter(has_text="1.1.1")
        expect(queued).to_contain_text("Lite Wallet")
        queued.get_by_role("link", name="Coffee Order").click()
        reviewer.wait_for_url(f"**/reviews/{release}")
        expect(reviewer.locator("#compat-h + p")).to_contain_text("pass")
        approve = reviewer.get_by_role("button", name="Approve")
        if keyboard:
            reviewer.get_by_label("Comment").focus()
            reviewer.keyboard.press("Tab")
            expect(approve).to_be_focused()
            reviewer.keyboard.press("Enter")
        else:
            approve.click()
        expect(reviewer.get_by_text("Your decision was recorded.")).to_be_visible()
        expect(approve).to_have_count(0)


def rolled_out(team: Any, release: str) -> None:
    """Pilot, then Complete pilot; Grayscale 1 % then 5 % (lower values disabled with
    their reason, and refused when forced); Full Release."""
    team.goto(f"/releases/{release}")
    expect(status(team)).to_have_text("approved")
    expect(current_step(team)).to_have_text("Release Preparation")
    reviews = team.locator("dl.reviews")
    expect(reviews.locator("dd")).to_have_text([re.compile("approved")] * 2)

    expect(team.get_by_label("Tester user ids, one per line")).to_have_value(
        "tester-001\ntester-002"
    )
    team.get_by_role("button", name="Pilot", exact=True).click()
    expect(status(team)).to_have_text("pilot")
    expect(team.locator("#rollout")).to_contain_text("Running for 2 testers")
    team.get_by_role("button", name="Complete pilot").click()
    expect(status(team)).to_have_text("approved")

    raise_to(team, "1")
    expect(status(team)).to_have_text("grayscale")
    raise_to(team, "5")
    lower = team.get_by_role("button", name="1 %", exact=True)
    expect(lower).to_be_disabled()
    reason = team.locator(f"#{lower.get_attribute('aria-describedby')}")
    expect(reason).to_have_text("the grayscale ratio only goes up (now 5%)")

    team.get_by_label(re.compile("^Other percentage")).fill("2")
    team.get_by_role("button", name="Grayscale", exact=True).click()
    refusal = team.locator("#alerts")
    expect(refusal).to_contain_text("Not possible now")
    expect(refusal).to_contain_text("only goes up")
    expect(team.locator("#rollout-percentage")).to_have_text("5 %")

    team.get_by_role("button", name="Full Release").click()
    expect(status(team)).to_have_text("released")
    expect(team.locator("#rollout-percentage")).to_have_text("100 %")


def raise_to(team: Any, value: str) -> None:
    team.get_by_role("button", name=f"{value} %", exact=True).click()
    expect(team.locator("#rollout-percentage")).to_have_text(f"{value} %")


def promo_code_opens_the_program(team: Any, listing: str, app_id: str) -> None:
    """QR Code: a promo code for the menu page, its image decoded to the deep link."""
    team.goto(listing)
    expect(team.locator("h1")).to_contain_text("Coffee Order")
    expect(online_version(team)).to_contain_text("1.1.1")
    team.get_by_label("Kind").select_option("promo")
    team.get_by_label("Page").fill("pages/menu/menu")
    team.get_by_label("Query").fill("table=12")
    team.get_by_role("button", name="QR Code").click()
    deep_link = team.locator("code.deep-link")
    expect(deep_link).to_contain_text(f"https://lite.example.com/m/{app_id}")
    image = team.locator(".qr img")
    expect(image).to_be_visible()
    png = team.request.get(image.get_attribute("src"))
    assert png.ok and png.headers["content-type"] == "image/png"
    assert decode_png(png.body()) == [deep_link.inner_text()]
    assert "menu" in deep_link.inner_text() and "table" in deep_link.inner_text()


def rolled_back_then_removed(tabs: Tabs, team: Any, listing: str) -> None:
    """Roll Back to 1.0.0; the team requests removal, Lite Wallet's reviewer approves."""
    team.get_by_label("Version to put online again").select_option("1.0.0")
    team.get_by_role("button", name="Roll Back").click()
    expect(team.locator("#alerts")).to_contain_text("Rolled back")
    expect(online_version(team)).to_contain_text("1.0.0")

    team.get_by_label("Reason").fill("The coffee shop is closing.")
    team.get_by_role("button", name="Request removal").click()
    expect(team.locator("#alerts")).to_contain_text("Removal requested")
    expect(team.locator("#review-h + p")).to_contain_text("The coffee shop is closing.")

    reviewer = tabs.signed_in("lite-reviewer")
    reviewer.get_by_role("link", name="Reviews").click()
    requests = reviewer.locator("#removals-h + table")
    expect(requests).to_contain_text("The coffee shop is closing.")
    requests.get_by_role("link", name="Coffee Order").click()
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.locator("#alerts")).to_contain_text("Removal approved")

    team.goto(listing)
    facts = team.locator("#state-h + dl")
    expect(facts).to_contain_text("removed")
    expect(facts).to_contain_text("nothing online")


def status(tab: Any) -> Any:
    return tab.locator("dl.release-facts dd").first.locator(".badge")


def current_step(tab: Any) -> Any:
    return tab.locator('ol.steps li[aria-current="step"]')


def online_version(tab: Any) -> Any:
    return tab.locator("#state-h + dl dt:text-is('Online version') + dd")


def release_id(tab: Any) -> str:
    tab.wait_for_url(re.compile(r"/releases/rel_\w+"))
    match = re.search(r"/releases/(rel_\w+)", tab.url)
    assert match, tab.url
    return match.group(1)
