"""The demo as people see it (issue 21 item 14), at 1280 px and on a 390 px phone: signing in,
the dashboard with earnings, a request reviewed and signed, the consent with its QR code, the
public verification page, the statement with its chart, the staff dashboard, a strike declared
and lifted. Every page passes axe and fits its window.

Screenshots land in var/artifacts/e2e/; with SCREENSHOTS_DIR=docs/screenshots they are also
written there, named for the journey and the width, for the README:

    SCREENSHOTS_DIR=docs/screenshots ./run test tests/e2e/test_demo_journeys.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.billing.models import Invoice
from registry.consent.models import ConsentGrant, Strike
from registry.demo.data import DEMO_PASSWORD, load_demo
from registry.parties.models import Studio
from tests.billing.conftest import ensure_reference_terms
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, overflow, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")


def shoot(page, name: str) -> None:
    """The page checked with axe, fitting its window, and photographed."""
    desktop = page.viewport_size["width"] >= 1280
    assert overflow(page, boxes=desktop) == 0, f"{name} runs {overflow(page, boxes=desktop)} px past its room"
    assert_accessible(page, name)
    path = snap(page, f"demo-{name}")
    if SCREENSHOTS_DIR:
        from PIL import Image

        width = page.viewport_size["width"]
        target = Path(SCREENSHOTS_DIR) / f"{name}-{width}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        # A 256-colour palette: a fifth of the size, and the same to look at (flat colours, text).
        Image.open(path).convert("RGB").quantize(colors=256).save(target, optimize=True)


def portal_sign_in(page, username: str) -> None:
    page.goto("/portal/sign-in")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_demo_journeys(new_page):
    ensure_reference_terms()
    load_demo()
    northlight = Studio.objects.get(legal_name="Northlight Pictures")
    # The last month a billing run invoiced (residuals invoices are dated when bonuses arise).
    last_billed = Invoice.objects.filter(document_type="invoice").order_by("-period").first().period
    for viewport in (DESKTOP, PHONE):
        page = new_page(viewport)
        phone = viewport == PHONE

        page.goto("/")
        expect(page.get_by_role("heading", name="Performer Consent Registry")).to_be_visible()
        shoot(page, "home")

        # Sign in: on the phone the estate executor, who answers Harold Vance's request.
        page.goto("/portal/sign-in")
        shoot(page, "sign-in")
        portal_sign_in(page, "estate" if phone else "maya")
        if phone:
            expect(page.get_by_text("You act for Harold Vance as their estate executor")).to_be_visible()
        else:
            expect(page.locator("#pending-heading")).to_contain_text("Waiting for your answer")
            expect(page.locator(".big-number")).to_contain_text("USD")
            expect(page.get_by_text("Signed, starts")).to_be_visible()
            expect(page.locator("#cases-heading")).to_contain_text("Open cases")
        shoot(page, "dashboard")

        # Review and sign.
        page.locator("#pending-heading").locator("..").get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Northlight Pictures asks for consent")).to_be_visible()
        shoot(page, "review")
        name = "Ruth Vance (executor)" if phone else "Maya Okafor"
        page.get_by_label("Type your full name to sign").fill(name)
        page.get_by_label("I have read the whole description").check()
        page.get_by_role("button", name="Sign and accept").click()
        expect(page.get_by_text("You signed.")).to_be_visible()

        # The consent with its QR code, then the public verification page.
        expect(page.locator(".qr svg")).to_be_visible()
        shoot(page, "consent")
        page.get_by_role("link", name="Open the verification page").click()
        expect(page.locator(".verdict-title")).to_have_text(re.compile(r"Signed, starts \d+ \w{3} \d{4}"))
        shoot(page, "verify")

        if not phone:
            # The statement of the last month billed: a chart with bars and a currency.
            page.goto(f"/portal/earnings?period={last_billed:%Y-%m}")
            page.get_by_text("The numbers, month by month").click()
            expect(page.locator("tfoot")).to_contain_text("USD")
            expect(page.locator("svg.chart rect.bar:not([width='0.0'])").first).to_be_visible()
            expect(page.locator("svg.chart text.value").filter(has_text="USD").first).to_be_visible()
            shoot(page, "statement")
            page.goto("/portal/cases")
            page.locator(".item-title").first.click()
            expect(page.get_by_text("The studio reported a use outside what your consent describes.")).to_be_visible()
            shoot(page, "case")
        else:
            page = new_page(viewport)  # Maya's statement, in a browser of her own
            portal_sign_in(page, "maya")
            page.goto(f"/portal/earnings?period={last_billed:%Y-%m}")
            expect(page.locator("svg.chart rect.bar:not([width='0.0'])").first).to_be_visible()
            font = page.locator("svg.chart text.value").first.evaluate("t => t.getBoundingClientRect().height")
            assert font >= 11, f"chart labels are {font:.1f} px tall on a phone"
            shoot(page, "statement")

        # The staff console: the dashboard, a strike declared with its preview and lifted.
        staff = new_page(viewport)
        staff.goto("/admin/login/?next=/admin/console/")
        staff.get_by_label("Username").fill("admin")
        staff.get_by_label("Password").fill(DEMO_PASSWORD)
        staff.get_by_role("button", name="Log in").click()
        expect(staff.get_by_role("heading", name="Staff dashboard")).to_be_visible()
        shoot(staff, "staff-dashboard")
        for path in ("/admin/consent/strike/", "/admin/cases/case/", "/admin/audit/auditevent/"):
            staff.goto(path)
            if not phone:  # the admin's lists are for a desktop
                shoot(staff, path.strip("/").replace("/", "-"))
        staff.goto("/admin/consent/strike/declare/")
        agreement = ConsentGrant.objects.filter(studio=northlight, status="active").first().agreement
        staff.get_by_label("Agreement").select_option(str(agreement.pk))
        staff.get_by_label("Northlight Pictures").check()
        staff.get_by_label("Reason").fill("Negotiations on AI terms broke down.")
        staff.get_by_role("button", name="Preview what it suspends").click()
        expect(staff.locator("#strike-preview")).to_contain_text(
            re.compile(r"suspends\s+\d+\s+consents?\s+of\s+\d+\s+performers?")
        )
        shoot(staff, "strike-declare")
        staff.get_by_role("button", name="Declare the strike").click()
        strike = Strike.objects.get(lifted_at__isnull=True)
        staff.get_by_role("link", name="Lift this strike…").click()
        expect(staff.locator("#strike-lift-preview")).to_contain_text(
            re.compile(r"restores\s+\d+\s+consents?\s+of\s+\d+\s+performers?")
        )
        staff.get_by_label("Why the strike is lifted").fill("Tentative agreement reached.")
        shoot(staff, "strike-lift")
        staff.get_by_role("button", name="Lift the strike").click()
        expect(staff.get_by_text(f"Strike {strike.public_id} lifted.")).to_be_visible()
