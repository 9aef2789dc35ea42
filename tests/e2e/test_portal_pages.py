"""The rest of the portal in a real browser, at desktop and phone width: statements with their
CSV and PDF, preferences, activity, the lists, and the public pages. Each page gets a
screenshot and the axe-core check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.billing import services as billing_services
from registry.consent.models import PerformerPreferences
from registry.terms.models import Agreement
from tests.billing.conftest import ensure_reference_terms, past_grant, replica_line, report
from tests.conftest import SYSTEM
from tests.e2e.conftest import DESKTOP, PHONE, check_page, sign_in
from tests.e2e.test_portal_flows import studio_requests_consent, with_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AUGUST = dt.date(2025, 8, 1)


def bill_august(studio, performer) -> None:
    """The worked example of DOMAIN.md: 3,738.00 USD for the performer, invoiced for 2025-08."""
    ensure_reference_terms()
    tvth = Agreement.objects.get(code="tvth-2023")
    studio.agreements.add(tvth)
    grant = past_grant(studio, performer, tvth)
    report(studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    billing_services.billing_run_start(period=AUGUST, actor=SYSTEM)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_statements_preferences_activity_and_lists(new_page, viewport, site, studio, performer, agreement):
    bill_august(studio.studio, performer.performer)
    studio_requests_consent(site, studio.secret, performer.performer, agreement)
    page = new_page(viewport)
    sign_in(page, with_password(performer.user))

    page.goto("/portal/earnings?period=2025-08")
    expect(page.get_by_role("heading", name="Statement for August 2025")).to_be_visible()
    expect(page.locator("tfoot")).to_contain_text("3,738.00 USD")
    expect(page.locator("svg.chart")).to_be_visible()
    check_page(page, "earnings")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download CSV").click()
    csv_text = Path(csv_download.value.path()).read_text()
    assert csv_text.splitlines()[0].startswith("document,studio,project,use,use_date,amount")
    assert ",3738.00,USD," in csv_text
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download PDF").click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename == "statement-SAG-1-2025-08.pdf"

    page.goto("/portal/preferences")
    page.get_by_label("Do not train").check()
    page.get_by_label("Alcohol").check()
    check_page(page, "preferences")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    prefs = PerformerPreferences.objects.get(performer=performer.performer)
    assert (prefs.do_not_train, prefs.opt_out_categories) == (True, ["alcohol"])

    page.goto("/portal/activity")
    expect(page.get_by_text("Standing preferences were changed")).to_be_visible()
    check_page(page, "activity")
    page.goto("/portal/requests")
    expect(page.get_by_text("Harbour Lights")).to_be_visible()
    check_page(page, "requests")
    page.goto("/portal/consents")
    expect(page.get_by_text("The Long Night")).to_be_visible()
    check_page(page, "consents")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_pages(new_page, viewport):
    page = new_page(viewport)
    for path, name, heading in [
        ("/portal/sign-in", "sign-in", "Sign in"),
        ("/portal/join", "join", "Ask to join the portal"),
        ("/portal/password-reset", "password-reset", "Reset your password"),
        ("/verify/", "verify", "Verify a consent token"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        check_page(page, name)
    page.get_by_label("Consent token").fill("not.a-token.at-all")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict-title")).to_have_text("Not a valid token")


def test_sign_in_is_throttled_after_repeated_failures(new_page, performer):
    page = new_page()
    username = with_password(performer.user)
    for _ in range(5):
        sign_in(page, username, "wrong-password")
        expect(page.get_by_text("do not match")).to_be_visible()
    sign_in(page, username)  # the right password, but the account is locked for now
    expect(page.get_by_text("Too many failed attempts to sign in to this account")).to_be_visible()
    check_page(page, "sign-in-throttled")
