"""The receivables endpoints with each kind of caller: status and body, and that a refusal
changes nothing. Studios see only their own statement and payments; performers see their own
payouts; union analysts read; only union admins record payments; anonymous callers are refused.
Also: a residuals invoice over GET /api/v1/invoices/, and the PDFs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.billing.models import Payment, PaymentApplication, Posting
from registry.billing.payments import payout_run_create
from tests.api.conftest import assert_problem
from tests.billing.conftest import pdf_text
from tests.conftest import SYSTEM
from tests.permissions import ANONYMOUS, CREATED, NOT_FOR_PERFORMERS, NOT_FOR_STUDIOS, OK, matrix, refused

pytestmark = pytest.mark.django_db

D = Decimal
CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous"]
NO_SUCH = (404, "not-found", None)
ANALYST_READS = (403, "permission-denied", "Union analysts read; a union admin records payments.")
NOT_FOR_STAFF_ONLY = (403, "permission-denied", "This action is not open to studios.")


@pytest.fixture
def world(august_invoice, billed_studio, other_studio, performer, api_clients):
    """Northlight owes 4,522.98 on the August invoice (Maya's pay 3,738.00 + P&H 21% 784.98);
    Rival owes nothing."""
    return august_invoice


def snapshot():
    return (Payment.objects.count(), PaymentApplication.objects.count(), Posting.objects.count())


# --- Statement of account ---------------------------------------------------------------------
STATEMENT = {
    "performer": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": OK,
    "other_studio": NO_SUCH,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, STATEMENT))
def test_statement_of_account(world, billed_studio, api_clients, caller, expected):
    url = f"/api/v1/studios/{billed_studio.studio.public_id}/statement?from=2025-01-01"
    response = api_clients[caller].get(url)
    if expected != OK:
        assert_problem(response, *expected)
        return
    assert response.status_code == 200, response.content
    body = response.json()
    today = timezone.localdate()
    assert (body["studio"], body["currency"], body["start"], body["end"]) == (
        billed_studio.studio.public_id,
        "USD",
        "2025-01-01",
        today.isoformat(),
    )
    assert body["opening_balance"] == "0.00"
    assert [(r["entry"], r["reference"], r["amount"], r["balance"]) for r in body["rows"]] == [
        ("invoice", world.number, "4522.98", "4522.98")
    ]
    assert body["closing_balance"] == "4522.98"
    # Due 30 days after today: not yet due.
    assert body["aging"] == {
        "current": "4522.98",
        "days_0_30": "0.00",
        "days_31_60": "0.00",
        "days_61_90": "0.00",
        "days_90_plus": "0.00",
    }


def test_statement_of_another_studio_is_not_found_for_a_studio(world, billed_studio, other_studio):
    url = f"/api/v1/studios/{billed_studio.studio.public_id}/statement"
    assert other_studio.client.get(url).status_code == 404
    assert other_studio.client.get(f"{url}/pdf").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("currency=usd", "currency"),
    ],
)
def test_a_bad_statement_query_is_a_400_naming_the_parameter(world, billed_studio, query, field):
    """Malformed parameters; a well-formed period the registry declines (reversed, too long) is a
    422: tests/billing/test_receivables_refusals.py."""
    response = billed_studio.client.get(f"/api/v1/studios/{billed_studio.studio.public_id}/statement?{query}")
    body = assert_problem(response, 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == [field]


def test_statement_pdf_aging_on_fixed_dates(world, billed_studio):
    from registry.billing.models import Invoice

    Invoice.objects.filter(pk=world.pk).update(issue_date=dt.date(2025, 9, 1), due_date=dt.date(2025, 10, 1))
    # On 2025-12-15 the invoice is 75 days past due: 61-90.
    response = billed_studio.client.get(
        f"/api/v1/studios/{billed_studio.studio.public_id}/statement?from=2025-09-01&to=2025-12-15"
    )
    assert response.json()["aging"]["days_61_90"] == "4522.98"
    pdf = billed_studio.client.get(
        f"/api/v1/studios/{billed_studio.studio.public_id}/statement/pdf?from=2025-09-01&to=2025-12-15"
    )
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")


# --- Payments ---------------------------------------------------------------------------------
def payment_body(studio, reference="BANK-1", amount="1000.00"):
    return {
        "studio": studio.public_id,
        "amount": amount,
        "currency": "USD",
        "received_on": "2025-10-01",
        "reference": reference,
        "method": "bank_transfer",
    }


RECORD = {
    "performer": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": NOT_FOR_STAFF_ONLY,
    "other_studio": NOT_FOR_STAFF_ONLY,
    "staff": CREATED,
    "analyst": ANALYST_READS,
    "anonymous": ANONYMOUS,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, RECORD))
def test_record_a_payment(world, billed_studio, api_clients, caller, expected):
    before = snapshot()
    response = api_clients[caller].post("/api/v1/payments/", payment_body(billed_studio.studio), format="json")
    if expected != CREATED:
        refused(response, expected, before, snapshot)
        return
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["unapplied"], body["reference"]) == ("1000.00", "0.00", "BANK-1")
    assert body["applications"] == [
        {"document": world.public_id, "number": world.number, "amount": "1000.00", "applied_on": "2025-10-01"}
    ]
    # The same payment again: the first, 200, applied once.
    again = api_clients[caller].post("/api/v1/payments/", payment_body(billed_studio.studio), format="json")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert PaymentApplication.objects.count() == 1
    # The same reference with another amount: 409, nothing changed.
    before = snapshot()
    conflict = api_clients[caller].post(
        "/api/v1/payments/", payment_body(billed_studio.studio, amount="1200.00"), format="json"
    )
    refused(conflict, (409, "conflict", None), before, snapshot)


def test_a_bad_payment_is_a_400_naming_the_field(world, billed_studio, staff):
    body = {**payment_body(billed_studio.studio), "amount": "-5.00", "received_on": "2025-02-30"}
    response = staff.client.post("/api/v1/payments/", body, format="json")
    problem = assert_problem(response, 400, "validation-error")
    assert sorted(e["field"] for e in problem["errors"]) == ["amount", "received_on"]
    assert not Payment.objects.exists()


LIST = {
    "performer": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": OK,
    "other_studio": OK,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, LIST))
def test_list_payments(world, billed_studio, api_clients, staff, caller, expected):
    created = staff.client.post("/api/v1/payments/", payment_body(billed_studio.studio), format="json").json()
    response = api_clients[caller].get("/api/v1/payments/")
    if expected != OK:
        assert_problem(response, *expected)
        return
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == ([] if caller == "other_studio" else [created["id"]])


# --- Aging report -----------------------------------------------------------------------------
AGING = {
    "performer": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, AGING))
def test_aging_report(world, billed_studio, api_clients, caller, expected):
    from registry.billing.models import Invoice

    Invoice.objects.filter(pk=world.pk).update(due_date=dt.date(2025, 10, 1))
    response = api_clients[caller].get("/api/v1/aging?as_of=2025-11-15")
    if expected != OK:
        assert_problem(response, *expected)
        return
    body = response.json()
    # 2025-10-01 to 2025-11-15 is 45 days: 31-60.
    assert body["totals"] == {
        "USD": {
            "current": "0.00",
            "days_0_30": "0.00",
            "days_31_60": "4522.98",
            "days_61_90": "0.00",
            "days_90_plus": "0.00",
        }
    }
    assert [(s["studio"], s["total"]) for s in body["studios"]] == [(billed_studio.studio.public_id, "4522.98")]


# --- Payouts ----------------------------------------------------------------------------------
PAYOUTS = {
    "performer": OK,
    "other_performer": NO_SUCH,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, PAYOUTS))
def test_a_performers_payouts(world, performer, api_clients, caller, expected):
    run, _ = payout_run_create(currency="USD", paid_on=dt.date(2025, 10, 31), key="2025-10 USD", actor=SYSTEM)
    response = api_clients[caller].get(f"/api/v1/performers/{performer.performer.public_id}/payouts")
    if expected != OK:
        assert_problem(response, *expected)
        return
    assert response.json()["results"] == [
        # Her pay, 3,738.00; the invoice's P&H (784.98) is paid to the plans, not to her.
        {"run": run.public_id, "paid_on": "2025-10-31", "amount": "3738.00", "currency": "USD"}
    ]


# --- Every charge on a document: a bonus over the API and in the PDF ----------------------------
def test_a_bonus_invoice_is_listed_for_its_studio_only(billed_studio, other_studio):
    from tests.billing.test_receivables import make_bonus_invoice

    invoice = make_bonus_invoice(billed_studio)
    listed = billed_studio.client.get("/api/v1/invoices/?document_type=residuals").json()["results"]
    assert [(i["number"], i["total"], i["balance"], i["due_date"]) for i in listed] == [
        (invoice.number, "4000.00", "4000.00", "2025-05-20")
    ]
    assert other_studio.client.get("/api/v1/invoices/").json()["results"] == []
    detail = billed_studio.client.get(f"/api/v1/invoices/{invoice.public_id}").json()
    assert [(line["usage_line"], line["source"], line["total"]) for line in detail["lines"]] == [
        (None, invoice.bonus_distribution.public_id, "2250.00"),
        (None, invoice.bonus_distribution.public_id, "750.00"),
        (None, invoice.bonus_distribution.public_id, "1000.00"),
    ]
    pdf = billed_studio.client.get(f"/api/v1/invoices/{invoice.public_id}/pdf")
    assert (pdf.status_code, pdf.content[:4]) == (200, b"%PDF")


def test_the_invoice_pdf_totals_the_lines_and_the_csv_shows_each_lines_provenance_in_full(
    world, billed_studio, tmp_path
):
    """The PDF carries the lines totalled by group (a 70,000-line invoice made a PDF of thousands
    of pages); each line's provenance, however long, is in the CSV beside it."""
    import csv
    import io

    from registry.billing.models import InvoiceLine

    line = world.lines.get()
    long = "max(own daily 1,100.00, day scale 1,246.00) x 3 estimated days = 3,738.00; " * 12
    InvoiceLine.objects.filter(pk=line.pk).update(explanation=long.strip())
    response = billed_studio.client.get(f"/api/v1/invoices/{world.public_id}/pdf")
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Replica use: The Long Night (NLP-2025-004); Day performer 2025-08 1 3,738.00 784.98 4,522.98" in text
    assert f"Due {world.due_date.isoformat()}" in text
    assert "/lines.csv" in text
    csv_response = billed_studio.client.get(f"/api/v1/invoices/{world.public_id}/lines.csv")
    (row,) = csv.DictReader(io.StringIO(b"".join(csv_response.streaming_content).decode()))
    assert (row["usage_line"], row["agreement"], row["grant"]) == ("L-1", "tvth-2023", line.token_jti)
    assert (row["rate_role_category"], row["rate_amount"], row["rate_unit"], row["rate_effective_from"]) == (
        "day_performer",
        "1246.00",
        "day",
        "2025-07-01",
    )
    assert row["explanation"].count("x 3 estimated days = 3,738.00;") == 12
