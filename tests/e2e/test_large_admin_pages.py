"""The admin pages issue 24 bounded by one page, in a real browser at 1280 and 390 px: an
invoice with its totals by group and the link to its lines, the lines list, a line with the
terms that priced it, a journal entry with its first postings, a strike with its count of
suspensions and the suspension list, and where each studio's next billing run starts reading
(its unbilled mark). Each fits the viewport (a table may scroll sideways inside its own box on a
phone) and passes axe.
Photographed to var/artifacts/e2e/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.billing.models import BillingRun, JournalEntry
from registry.usage.models import UsageReport
from tests.console.conftest import World
from tests.e2e.conftest import DESKTOP, PHONE, check_page, overflow, snap
from tests.e2e.test_staff_console import PASSWORD, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_invoice_journal_entry_and_strike_pages_fit_and_pass_axe(new_page, console_world: World, staff, viewport):
    invoice, strike = console_world.invoice, console_world.strike
    entry = JournalEntry.objects.order_by("id").first()
    report = UsageReport.objects.order_by("id").first()
    run = BillingRun.objects.order_by("id").first()
    error = {
        "studio": invoice.studio.public_id,
        "line": "S-7",
        "error": "No day_performer rate in force on 2025-08-20.",
    }
    run.studios.filter(studio=invoice.studio).update(errors=[error])
    BillingRun.objects.filter(pk=run.pk).update(error_count=1, errors=[error])
    page = new_page(viewport)
    staff_sign_in(page, staff.user.username)
    for path, name in [
        (f"/admin/billing/billingrun/{run.pk}/change/", "admin-billing-run"),
        (f"/admin/billing/billingrunstudio/?run__id__exact={run.pk}&with_errors=yes", "admin-run-studios-with-errors"),
        (f"/admin/billing/billingrunstudio/{run.studios.get(studio=invoice.studio).pk}/change/", "admin-run-studio"),
        ("/admin/billing/billingrunstudio/?run__id__exact=not-a-number", "admin-run-studios-bad-filter"),
        ("/admin/billing/billingrunstudio/?with_errors=maybe", "admin-run-studios-unknown-choice"),
        (f"/admin/billing/invoice/{invoice.pk}/change/", "admin-invoice"),
        (f"/admin/billing/invoiceline/?invoice__id__exact={invoice.pk}", "admin-invoice-lines"),
        (f"/admin/billing/invoiceline/{invoice.lines.order_by('id').first().pk}/change/", "admin-invoice-line"),
        (f"/admin/billing/journalentry/{entry.pk}/change/", "admin-journal-entry"),
        (f"/admin/consent/strike/{strike.pk}/change/", "admin-strike"),
        (f"/admin/consent/suspension/?strike__id__exact={strike.pk}", "admin-suspensions"),
        (f"/admin/billing/posting/?entry__id__exact={entry.pk}", "admin-entry-postings"),
        (f"/admin/usage/usagereport/{report.pk}/change/", "admin-usage-report"),
        ("/admin/usage/usageline/", "admin-usage-lines"),
        ("/admin/usage/usageline/?q=Okafor", "admin-usage-lines-by-name"),
        ("/admin/usage/usageline/?q=Okafor&use_date__year=2025", "admin-usage-lines-by-name-and-year"),
        ("/admin/billing/unbilledmark/", "admin-unbilled-marks"),
        # What a person may type or keep from an old link: a filter that is not an id, a search of
        # nothing the indexes hold. A page that says so, not an error.
        ("/admin/billing/invoiceline/?invoice__id__exact=not-a-number", "admin-invoice-lines-bad-filter"),
        ("/admin/consent/consentgrant/?q=%25%27%22%3C", "admin-grants-odd-search"),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        snap(page, name)  # first, so a page that fails below can be looked at
        boxes = viewport == DESKTOP
        past = overflow(page, boxes=boxes)
        assert past == 0, f"{path} runs {past} px past {viewport['width']}"
        check_page(page, name)
    page.goto(f"/admin/billing/invoice/{invoice.pk}/change/")
    expect(page.get_by_text("3,738.00").first).to_be_visible()
    # A filter the list cannot read: the whole list, and the page says so.
    page.goto("/admin/billing/invoiceline/?invoice__id__exact=not-a-number")
    expect(page.get_by_role("status")).to_contain_text("That filter could not be read")
    # A run's errors: counted on the run, each studio's on its row, reached from the run.
    page.goto(f"/admin/billing/billingrun/{run.pk}/change/")
    page.get_by_role("link", name="each studio's, a page at a time").click()
    expect(page.get_by_role("row").filter(has_text=invoice.studio.legal_name)).to_contain_text("No day_performer rate")
    # August 2025 is billed: the studio's next run reads from September 1.
    page.goto("/admin/billing/unbilledmark/")
    expect(page.get_by_role("row").filter(has_text=invoice.studio.legal_name)).to_contain_text("Sept. 1, 2025")
    # A session that has ended: the search asks for a sign-in and comes back to itself after it.
    page.context.clear_cookies()
    page.goto("/admin/usage/usageline/?q=Okafor")
    expect(page.get_by_label("Username")).to_be_visible()
    assert "next=/admin/usage/usageline/" in page.url, page.url
    # The same for a run's studios with errors: signed in again, the filtered list comes back.
    page.goto(f"/admin/billing/billingrunstudio/?run__id__exact={run.pk}&with_errors=yes")
    expect(page.get_by_label("Username")).to_be_visible()
    page.get_by_label("Username").fill(staff.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("row").filter(has_text=invoice.studio.legal_name)).to_contain_text("No day_performer rate")
