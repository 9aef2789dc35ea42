"""Billing over the API and in the admin: who sees which invoice, PDF, statements, funds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from registry.billing import services
from registry.billing.models import BillingRun, Invoice
from tests.api.conftest import assert_problem
from tests.billing.conftest import past_grant, replica_line, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

AUGUST = dt.date(2025, 8, 1)


@pytest.fixture
def invoice(billed_studio, performer, tvth, django_capture_on_commit_callbacks):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run_start(period=AUGUST, actor=SYSTEM)
    return Invoice.objects.get()


def test_studio_reads_its_invoice_with_provenance(billed_studio, invoice):
    listing = billed_studio.client.get("/api/v1/invoices/?period=2025-08").json()["results"]
    assert [i["number"] for i in listing] == [invoice.number]
    body = billed_studio.client.get(f"/api/v1/invoices/{invoice.public_id}").json()
    # 3,738.00 pay + P&H 21% 784.98
    assert (body["total"], body["currency"], body["period"]) == ("4522.98", "USD", "2025-08")
    (line,) = body["lines"]
    assert line["usage_line"] == "L-1"
    assert line["rate_card"] == {
        "role_category": "day_performer",
        "unit": "day",
        "amount": "1246.00",
        "effective_from": "2025-07-01",
    }
    assert line["terms_used"]["agreement"] == "tvth-2023"


def test_invoice_pdf(billed_studio, invoice):
    response = billed_studio.client.get(f"/api/v1/invoices/{invoice.public_id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(("who", "status"), [("other_studio", 404), ("performer", 403), ("staff", 200)])
def test_invoice_visibility(request, invoice, who, status):
    caller = request.getfixturevalue(who)
    assert caller.client.get(f"/api/v1/invoices/{invoice.public_id}").status_code == status


def test_invoice_list_needs_the_billing_scope(invoice, make_studio_caller):
    narrow = make_studio_caller("Narrow", scopes=["consent:read"])
    response = narrow.client.get("/api/v1/invoices/")
    assert response.status_code == 403
    assert response.json()["required_scope"] == "billing:read"


def test_bad_period_filter_is_a_problem(billed_studio, invoice):
    response = billed_studio.client.get("/api/v1/invoices/?period=August")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "period"


@pytest.mark.parametrize(
    ("period", "code"), [("9999-12", "date_out_of_range"), ("0001-01", "date_out_of_range"), ("2025-8", "invalid")]
)
def test_a_period_outside_the_accepted_dates_is_a_400_not_a_500(performer, billed_studio, invoice, period, code):
    statement = performer.client.get(f"/api/v1/performers/{performer.performer.public_id}/statement?period={period}")
    earnings = performer.client.get(f"/api/v1/performers/{performer.performer.public_id}/earnings?period={period}")
    invoices = billed_studio.client.get(f"/api/v1/invoices/?period={period}")

    for response in (statement, earnings, invoices):
        problem = assert_problem(response, 400, "validation-error")
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [("period", code)]


def test_performer_statement(performer, other_performer, staff, invoice, billed_studio):
    url = f"/api/v1/performers/{performer.performer.public_id}/statement?period=2025-08"
    body = performer.client.get(url).json()
    assert body["totals"] == {"USD": "3738.00"}
    assert body["lines"][0]["studio"] == "Northlight Pictures"
    assert staff.client.get(url).status_code == 200
    assert other_performer.client.get(url).status_code == 404
    assert billed_studio.client.get(url).status_code == 403
    assert performer.client.get(url.replace("2025-08", "nope")).status_code == 400


def test_fund_balances_are_for_staff(staff, performer, invoice):
    assert staff.client.get("/api/v1/funds/").status_code == 200
    assert_problem(
        performer.client.get("/api/v1/funds/"),
        403,
        "permission-denied",
        "This action is not open to performers or their representatives.",
    )


def test_staff_start_a_run_in_the_admin_and_analysts_cannot(staff, analyst, billed_studio, performer, tvth):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    admin = Client()
    admin.force_login(staff.user)
    assert admin.post("/admin/billing/billingrun/start/", {"period": "2025-08"}).status_code == 302
    assert BillingRun.objects.count() == 1
    viewer = Client()
    viewer.force_login(analyst.user)
    assert viewer.post("/admin/billing/billingrun/start/", {"period": "2025-09"}).status_code == 403
    assert BillingRun.objects.count() == 1
