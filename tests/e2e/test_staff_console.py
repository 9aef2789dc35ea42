"""The staff console in a real browser: a union admin declares and lifts a strike and sees the
grants change status, resolves a violation case and downloads an export; an analyst is refused
every action but reads and downloads. The dashboard is photographed to var/artifacts/e2e/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.cases.models import Case
from registry.consent.models import Strike
from registry.console import services as console_services
from tests.conftest import SYSTEM
from tests.consent.factories import grant_for
from tests.console.conftest import World
from tests.e2e.conftest import DESKTOP, PHONE, check_page, overflow, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # the staff fixtures' password (tests/conftest.py)


def staff_sign_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Staff dashboard")).to_be_visible()


def test_union_admin_strikes_resolves_and_exports(new_page, console_world: World, staff, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    page = new_page(DESKTOP)
    staff_sign_in(page, staff.user.username)
    page.goto("/admin/console/?until=2025-12")
    expect(page.locator("#chart-synthetic-days")).to_be_visible()
    expect(page.locator("#open-violations")).to_have_text("1")
    snap(page, "staff-dashboard")

    # Declare: preview first, then the strike; the grant is suspended.
    page.goto("/admin/consent/strike/declare/")
    page.get_by_label("Agreement").select_option(str(agreement.pk))
    page.get_by_label(studio.studio.legal_name).check()
    page.get_by_label("Reason").fill("Negotiations broke down")
    page.get_by_role("button", name="Preview what it suspends").click()
    expect(page.locator("#strike-preview")).to_contain_text("suspends 1 consent of 1 performer")
    snap(page, "staff-strike-preview")
    page.get_by_role("button", name="Declare the strike").click()
    expect(page.get_by_text("its job suspends the grants in the background")).to_be_visible()
    grant.refresh_from_db()
    assert grant.status == "suspended"  # no broker here: the job ran in process, after the commit
    # The strike's page shows its job's progress and lists what it suspended.
    expect(page.get_by_text("1 of 1 grants (100%)")).to_be_visible()
    expect(page.get_by_role("link", name=f"{grant.public_id} v1 (suspended)")).to_be_visible()

    # Lift it from the list of strikes: a confirmation page with what it restores and a reason;
    # then the grant is active again.
    strike = Strike.objects.get(studios=studio.studio)
    page.goto("/admin/consent/strike/?lifted_at__isempty=1")
    page.locator(f'input[name="_selected_action"][value="{strike.pk}"]').check()
    page.locator('select[name="action"]').select_option("lift")
    page.locator("button[name=index]").first.click()  # "Go"
    expect(page.locator("#strike-lift-preview")).to_contain_text("restores 1 consent of 1 performer")
    expect(page.locator("#strike-lift-preview")).to_contain_text("A background job then restores the consents")
    snap(page, "staff-strike-lift")
    grant.refresh_from_db()
    assert grant.status == "suspended"  # nothing happens before the confirmation
    page.get_by_role("button", name="Lift the strike").click()
    expect(page.get_by_text("State why the strike is lifted")).to_be_visible()
    page.get_by_label("Why the strike is lifted").fill("The agreement was ratified.")
    page.get_by_role("button", name="Lift the strike").click()
    expect(page.get_by_text(f"Strike {strike.public_id} lifted.")).to_be_visible()
    expect(page.get_by_text("its job restores the consents in the background")).to_be_visible()
    grant.refresh_from_db()
    assert grant.status == "active"

    # Resolve the violation case from its page.
    page.goto(f"/admin/cases/case/{console_world.violation.pk}/change/")
    page.get_by_role("link", name="Resolve").click()
    page.get_by_label("Outcome").fill("Paid as use with consent")
    page.get_by_label("Notes").fill("Studio paid the scale rate.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Resolve case: done.")).to_be_visible()
    case = Case.objects.get(pk=console_world.violation.pk)
    assert (case.status, case.outcome) == ("resolved", "Paid as use with consent")

    # Download the remittance report for August 2025.
    page.goto("/admin/console/exports/?start=2025-08-01&end=2025-08-31")
    with page.expect_download() as download:
        page.locator("#export-remittance").click()
    assert download.value.suggested_filename == "remittance-20250801-20250831.csv"
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0] == "fund,currency,period,studio,document,type,amount"
    # the health plan's half of the invoice's 3,800.30 to the funds (P&H 784.98, the stand-in's
    # 2,492.00 and its 523.32 contributions), split once for the document
    assert "health_plan,USD,total,,,,1900.15" in lines


def test_analyst_reads_and_downloads_but_is_refused_every_action(new_page, console_world: World, analyst):
    page = new_page(DESKTOP)
    staff_sign_in(page, analyst.user.username)
    snap(page, "staff-dashboard-analyst")
    expect(page.get_by_role("link", name="Declare a strike")).to_have_count(0)

    for path in ("/admin/consent/strike/declare/", f"/admin/cases/case/{console_world.violation.pk}/resolve/"):
        response = page.goto(path)
        assert response.status == 403, path
    page.goto(f"/admin/cases/case/{console_world.violation.pk}/change/")
    expect(page.get_by_role("link", name="Resolve")).to_have_count(0)
    page.goto("/admin/consent/strike/")
    expect(page.get_by_text(console_world.strike.public_id)).to_be_visible()
    expect(page.locator('select[name="action"]')).to_have_count(0)  # no action to choose
    page.goto("/admin/cases/case/")
    expect(page.locator('select[name="action"]')).to_have_count(0)
    console_world.strike.refresh_from_db()
    assert console_world.strike.lifted_at is None  # still in force

    page.goto("/admin/console/exports/?start=2025-08-01&end=2025-08-31")
    with page.expect_download() as download:
        page.locator("#export-invoices").click()
    assert Path(download.value.path()).read_text().startswith("number,document,type,status,studio,period")


def test_console_pages_fit_at_1280_pass_axe_and_their_forms_say_what_they_do(
    new_page, console_world: World, staff, studio, performer, agreement
):
    """Issue 21 items 11-13: every console page at 1280 px fits and passes axe; exports download
    what the form says without another button; a later strike start is picked, in a stated
    time zone; the lifted strike's preview is written with plurals."""
    grant_for(studio.studio, performer.performer, agreement)
    grant_for(
        studio.studio,
        performer.performer,
        agreement,
        project={"kind": "picture", "title": "Second", "production_number": "NLP-2"},
    )
    page = new_page(DESKTOP)
    staff_sign_in(page, staff.user.username)
    case = console_world.violation
    for path, name in [
        ("/admin/", "staff-index"),
        ("/admin/console/", "staff-dashboard"),
        ("/admin/consent/strike/", "staff-strikes"),
        (f"/admin/consent/strike/{console_world.strike.pk}/change/", "staff-strike"),
        (f"/admin/consent/strike/{console_world.strike.pk}/lift/", "staff-strike-lift-page"),
        ("/admin/consent/strike/declare/", "staff-strike-declare"),
        ("/admin/cases/case/", "staff-cases"),
        (f"/admin/cases/case/{case.pk}/change/", "staff-case"),
        (f"/admin/cases/case/{case.pk}/resolve/", "staff-case-resolve"),
        ("/admin/audit/auditevent/", "staff-audit"),
        ("/admin/console/exports/", "staff-exports"),
        ("/admin/console/audit/verify/", "staff-audit-verify"),
    ]:
        page.goto(path)
        assert overflow(page) == 0, f"{path} runs {overflow(page)} px past 1280 px"
        check_page(page, name)

    # Exports: the dates typed are the dates downloaded, with no other button pressed first.
    page.goto("/admin/console/exports/")
    page.get_by_label("From").fill("2025-08-01")
    page.get_by_label("To (inclusive)").fill("2025-08-31")
    with page.expect_download() as download:
        page.locator("#export-invoices").click()
    assert download.value.suggested_filename == "invoices-20250801-20250831.csv"
    assert "INV-" in Path(download.value.path()).read_text()

    # Declare with a later start, picked as a date and a time in the stated time zone.
    page.goto("/admin/consent/strike/declare/")
    starts = page.get_by_label("Starts at (UTC)")
    assert starts.get_attribute("type") == "datetime-local"
    page.get_by_label("Agreement").select_option(str(agreement.pk))
    page.get_by_label(studio.studio.legal_name).check()
    page.get_by_label("Reason").fill("Walkout from next week")
    starts.fill("2030-01-07T09:30")
    page.get_by_role("button", name="Preview what it suspends").click()
    expect(page.locator("#strike-preview")).to_contain_text(
        "suspends 2 consents of 1 performer, with 1 of the 1 studio chosen"
    )
    page.get_by_role("button", name="Declare the strike").click()
    strike = Strike.objects.get(studios=studio.studio)
    assert strike.starts_at.isoformat() == "2030-01-07T09:30:00+00:00"


def test_a_finished_chain_check_fits_a_phone(new_page, console_world: World, staff):
    """The verified chain's last hash (64 hex characters, one word) wraps inside 390 px instead of
    widening the page, and the result sits below the console's links, not against them."""
    check = console_services.chain_check_request(user=staff.user, actor=SYSTEM)
    console_services.chain_check_run(check_id=check.pk)
    page = new_page(PHONE)
    staff_sign_in(page, staff.user.username)
    page.goto("/admin/console/audit/verify/")
    expect(page.locator("#audit-result")).to_contain_text("Audit chain intact")
    assert overflow(page) == 0, f"the audit verification page runs {overflow(page)} px past 390 px"
    check_page(page, "staff-audit-verify-phone")
