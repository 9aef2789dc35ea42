"""The receivables pages in a real browser: the console's aging page (its chart and table) and
the admin's payment and payout-run forms, at 1280 and 390 px, fitting and passing axe; an admin
records a payment through the form. Photographed to var/artifacts/e2e/."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from registry.billing.models import Invoice, Payment
from tests.console.conftest import World
from tests.e2e.conftest import DESKTOP, PHONE, check_page, overflow
from tests.e2e.test_staff_console import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_receivables_pages_fit_and_pass_axe(new_page, console_world: World, staff, viewport):
    Invoice.objects.filter(pk=console_world.invoice.pk).update(due_date=dt.date(2025, 10, 1))
    page = new_page(viewport)
    staff_sign_in(page, staff.user.username)
    for path, name in [
        ("/admin/console/aging/?as_of=2025-11-15", "staff-aging"),
        ("/admin/billing/payment/add/", "staff-payment-add"),
        ("/admin/billing/payoutrun/add/", "staff-payout-run-add"),
    ]:
        page.goto(path)
        # On a phone the studios' table may scroll sideways in its box; the page itself may not.
        boxes = viewport == DESKTOP
        assert overflow(page, boxes=boxes) == 0, (
            f"{path} runs {overflow(page, boxes=boxes)} px past {viewport['width']}"
        )
        check_page(page, name)
    page.goto("/admin/console/aging/?as_of=2025-11-15")
    expect(page.locator("#chart-aging-usd")).to_be_visible()


def test_an_admin_records_a_payment_through_the_form(new_page, console_world: World, staff, studio):
    page = new_page(DESKTOP)
    staff_sign_in(page, staff.user.username)
    page.goto("/admin/billing/payment/add/")
    page.get_by_label("Studio").select_option(str(studio.studio.pk))
    page.get_by_label("Amount").fill("1000.00")
    page.get_by_label("Received on").fill("2025-10-01")
    page.get_by_label("Reference").fill("BANK-E2E-1")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".messagelist")).to_contain_text("Recorded: BANK-E2E-1, 1000.00 USD")
    assert Payment.objects.get().reference == "BANK-E2E-1"
