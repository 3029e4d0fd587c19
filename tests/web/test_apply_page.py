"""Apply to Release on the release page: basic info prefilled and editable, the whitelists
next to the domains the package calls (as the compatibility test read them), refusals (a
field's rule, the compatibility gate) shown with their status and nothing kept, and
Withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Actor, Factory
from tests.releases.flow import after_test, built
from tests.releases.test_compatibility_api import FAULTY
from tests.web.console import Console
from tests.web.release_pages import Pages, current_step, pages, section

ONE_CELL = {"os": ["android-10"], "networks": ["wifi"], "devices": ["mid"]}


def _mini_program(p: Pages) -> dict[str, Any]:
    return dict(p.s.ok("GET", f"/mini-programs/{p.s.mini_program_id}"))


def test_apply_with_edited_basic_info(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    before = _mini_program(p)
    p.s.upload("1.0.0", FAULTY)
    release_id = after_test(p.s, "1.0.0")
    apply = section(p.page(release_id), "apply")
    # Prefilled from the mini program, the whitelists beside what the test found outside.
    assert f'name="name" required maxlength="30" value="{before["name"]}"' in apply
    assert f">{before['description']}</textarea>" in apply
    assert '<option value="tools" selected>' in apply
    assert "<code>api.example.com</code>" in apply  # the scenario's server whitelist
    # Every host the package calls, with its whitelist, whether it is covered, and where.
    row = apply[apply.index("<code>evil.example.net</code>") :].split("</tr>")[0]
    assert "server domain whitelist" in row and "</span> no</td>" in row
    assert '<code class="where">pages/index/index.js:4</code>' in row
    # The report's findings quote their line of code.
    report = section(p.page(release_id), "compat")
    assert '<pre class="code-line"><code>my.request({ url: &#39;https://evil.example.net/' in report
    assert "Apply to Release</button>" in apply and "disabled" not in apply

    applied = p.team.post(
        f"/releases/{release_id}/apply",
        {"name": "Wallet Helper", "description": "Pays and tracks", "category": "finance"},
    )
    assert applied.status_code == 303
    assert applied.headers["location"] == f"/releases/{release_id}?done=applied#apply"
    assert p.status(release_id) == "in_review"
    after = _mini_program(p)
    assert (after["name"], after["description"], after["category"]) == (
        "Wallet Helper",
        "Pays and tracks",
        "finance",
    )
    read = p.s.ok("GET", f"/releases/{release_id}")
    assert read["basic_info"]["name"] == "Wallet Helper"
    html = p.team.get(applied.headers["location"]).text
    assert "the request is now under review" in html and current_step(html) == "Under Review"
    apply = section(html, "apply")
    assert "Sent for review" in apply and "<dd>Wallet Helper</dd>" in apply
    assert "Withdraw</button>" in apply and "data-confirm=" in apply
    assert 'action="/releases/' + release_id + '/apply"' not in apply


def test_the_compatibility_gate_is_explained_and_its_refusal_rendered(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    before = _mini_program(p)
    p.s.upload("1.0.0")
    release_id = built(p.s, "1.0.0")
    p.team.post(f"/releases/{release_id}/compatibility-runs", ONE_CELL)
    p.s.run_jobs()
    assert p.status(release_id) == "tested"
    apply = section(p.page(release_id), "apply")
    assert 'id="apply-refusal"' in apply
    assert "run Test Compatibility over the whole matrix" in apply
    assert 'disabled aria-describedby="apply-refusal"' in apply

    # Sent anyway (a stale page, a script): refused, said on the page, nothing kept.
    refused = p.team.post(
        f"/releases/{release_id}/apply", {"name": "Renamed", "category": "finance"}
    )
    assert refused.status_code == 409
    assert "Not possible now" in refused.text
    assert "run Test Compatibility over the whole matrix" in section(refused.text, "apply")
    assert 'value="Renamed"' in section(refused.text, "apply")  # the form as sent
    assert p.status(release_id) == "tested"
    assert _mini_program(p)["name"] == before["name"]
    assert _mini_program(p)["category"] == before["category"]

    htmx = p.team.htmx("POST", f"/releases/{release_id}/apply", data={"name": "Renamed"})
    assert htmx.status_code == 409 and _mini_program(p)["name"] == before["name"]

    # A run over the whole matrix opens the gate.
    p.team.post(f"/releases/{release_id}/compatibility-runs")
    p.s.run_jobs()
    apply = section(p.page(release_id), "apply")
    assert "apply-refusal" not in apply and "disabled" not in apply
    assert p.team.post(f"/releases/{release_id}/apply", {}).status_code == 303
    assert p.status(release_id) == "in_review"


def test_a_partner_app_refusing_failing_reports(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console, block_on_failing_report=True)
    p.s.upload("1.0.0", FAULTY)
    release_id = after_test(p.s, "1.0.0")
    apply = section(p.page(release_id), "apply")
    assert "does not accept releases whose compatibility report fails" in apply
    refused = p.team.post(f"/releases/{release_id}/apply", {})
    assert refused.status_code == 409 and p.status(release_id) == "tested"


def test_a_refused_field_is_shown_on_the_form_and_nothing_is_kept(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    before = _mini_program(p)
    p.s.upload("1.0.0")
    release_id = after_test(p.s, "1.0.0")
    refused = p.team.post(
        f"/releases/{release_id}/apply",
        {"name": "x" * 31, "description": "fine", "category": "finance"},
    )
    assert refused.status_code == 422
    apply = section(refused.text, "apply")
    assert 'id="name-error"' in apply and "at most 30 are allowed" in apply
    assert 'aria-invalid="true" aria-describedby="name-error"' in apply
    assert f'value="{"x" * 31}"' in apply
    assert p.status(release_id) == "tested"
    after = _mini_program(p)
    assert (after["name"], after["description"]) == (before["name"], before["description"])

    unknown = p.team.post(f"/releases/{release_id}/apply", {"category": "weapons"})
    assert unknown.status_code == 422 and 'id="category-error"' in unknown.text


def test_withdraw_while_under_review(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = after_test(p.s, "1.0.0")
    assert "Withdraw</button>" not in p.page(release_id)
    assert p.team.post(f"/releases/{release_id}/withdraw").status_code == 409
    p.s.ok("POST", f"/releases/{release_id}/apply", json={})

    reviewer = console(p.s.platform_reviewer)
    assert reviewer.post(f"/releases/{release_id}/withdraw").status_code == 403
    assert console(factory.user()).post(f"/releases/{release_id}/withdraw").status_code == 404
    assert p.status(release_id) == "in_review"

    withdrawn = p.team.post(f"/releases/{release_id}/withdraw")
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == f"/releases/{release_id}?done=withdrawn#apply"
    assert p.status(release_id) == "tested"
    html = p.team.get(withdrawn.headers["location"]).text
    assert "The release request was withdrawn." in html
    assert current_step(html) == "Compatibility Testing"
    assert "Apply to Release</button>" in section(html, "apply")
