"""The staff console's receivables: the aging page with its inline SVG chart, and the admin's
payment and payout-run pages (union admins act, analysts read, others are sent to sign in)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.billing.models import Invoice, Payment, PayoutRun

pytestmark = pytest.mark.django_db

URL = "/admin/console/aging/"


def test_the_aging_page_shows_open_balances_by_age_with_a_chart(console_world, console_clients):
    invoice = console_world.invoice
    Invoice.objects.filter(pk=invoice.pk).update(due_date=dt.date(2025, 10, 1))
    for who in ("admin", "analyst"):
        response = console_clients[who].get(URL, {"as_of": "2025-11-15"})
        assert response.status_code == 200
        body = response.text
        # 2025-10-01 to 2025-11-15: 45 days past due, 31-60.
        assert f"Open balances by age (USD): {invoice.total:,.2f}" in body
        assert '<svg class="chart" id="chart-aging-usd"' in body
        assert (
            f"31-60 days overdue: {invoice.total:,.2f} USD" in body
            or f"31-60 days overdue: {invoice.total:,.0f} USD" in body
        )
        row = re.search(r"Northlight Pictures</a> \(USD\)</th>(.*?)</tr>", body, re.S).group(1)
        cells = re.findall(r'<td class="num nowrap">([^<]*)</td>', row)
        assert cells == ["0.00", "0.00", f"{invoice.total:,.2f}", "0.00", "0.00", f"{invoice.total:,.2f}"]
        assert "<script" not in body.split("<body")[1].split("</svg>")[0]


def test_a_bad_date_is_a_form_error(console_world, console_clients):
    response = console_clients["admin"].get(URL, {"as_of": "2025-13-45"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.text


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_are_sent_to_sign_in(console_world, console_clients, who):
    response = console_clients[who].get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_admin_records_a_payment_in_the_admin(console_world, console_clients, studio):
    invoice = console_world.invoice
    form = {
        "studio": studio.studio.pk,
        "amount": "1000.00",
        "currency": "USD",
        "received_on": "2025-10-01",
        "reference": "BANK-ADMIN-1",
        "method": "bank_transfer",
        "documents": invoice.number,
    }
    add = reverse("admin:billing_payment_add")
    response = console_clients["admin"].post(add, form, follow=True)
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert "Recorded: BANK-ADMIN-1, 1000.00 USD; applied to " in response.text
    invoice.refresh_from_db()
    # 3,738.00 - 1,000.00 = 2,738.00 (plus the P&H lines of the worked example's invoice, if any).
    assert invoice.balance == invoice.total - Decimal("1000.00")
    assert AuditEvent.objects.filter(
        action="payment.recorded", subject_id=payment.public_id, actor_name="ada"
    ).exists()
    # Entered again: nothing new.
    again = console_clients["admin"].post(add, form, follow=True)
    assert "Already recorded" in again.text
    assert Payment.objects.count() == 1


def test_an_analyst_may_not_record_a_payment(console_world, console_clients, studio):
    add = reverse("admin:billing_payment_add")
    assert console_clients["analyst"].get(add).status_code == 403
    response = console_clients["analyst"].post(
        add,
        {
            "studio": studio.studio.pk,
            "amount": "1.00",
            "currency": "USD",
            "received_on": "2025-10-01",
            "reference": "X",
            "method": "bank_transfer",
        },
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()
    assert console_clients["analyst"].get(reverse("admin:billing_payment_changelist")).status_code == 200


def test_a_bad_payment_is_a_form_error(console_world, console_clients, studio):
    response = console_clients["admin"].post(
        reverse("admin:billing_payment_add"),
        {
            "studio": studio.studio.pk,
            "amount": "1.00",
            "currency": "USD",
            "received_on": "2099-01-01",
            "reference": "X",
            "method": "bank_transfer",
        },
    )
    assert response.status_code == 200
    assert "A payment is recorded once it is received." in response.text
    assert not Payment.objects.exists()


def test_a_payout_run_in_the_admin_and_its_remittance_file(console_world, console_clients, performer):
    response = console_clients["admin"].post(
        reverse("admin:billing_payoutrun_add"),
        {"currency": "USD", "paid_on": "2025-10-31", "key": "2025-10 USD"},
        follow=True,
    )
    assert response.status_code == 200
    run = PayoutRun.objects.get()
    assert f"Paid: {run.public_id}" in response.text
    csv_response = console_clients["analyst"].get(reverse("admin:billing_payoutrun_remittance", args=[run.pk]))
    assert csv_response.status_code == 200
    lines = csv_response.content.decode().splitlines()
    assert lines[0] == "run,paid_on,payee_kind,payee,name,amount,currency,reference"
    assert any(f",performer,{performer.performer.public_id}," in line for line in lines[1:])
    assert console_clients["analyst"].get(reverse("admin:billing_payoutrun_add")).status_code == 403


def test_an_admin_applies_a_payments_credit_to_a_later_document(console_world, console_clients, studio):
    from tests.console.test_admin_roles import run_action

    invoice = console_world.invoice
    # The whole balance plus 100.00: 100.00 stays as credit.
    over = invoice.balance + Decimal("100.00")
    console_clients["admin"].post(
        reverse("admin:billing_payment_add"),
        {
            "studio": studio.studio.pk,
            "amount": str(over),
            "currency": "USD",
            "received_on": "2025-10-01",
            "reference": "BANK-OVER",
            "method": "bank_transfer",
        },
    )
    payment = Payment.objects.get()
    assert payment.unapplied == Decimal("100.00")
    later = Invoice.objects.create(
        studio=studio.studio,
        period=dt.date(2025, 10, 1),
        currency="USD",
        created_at=invoice.created_at,
        document_type="debit_note",
        status="finalized",
        number="DBN-T-1",
        total=Decimal("60.00"),
        balance=Decimal("60.00"),
        due_date=dt.date(2025, 11, 1),
        issue_date=dt.date(2025, 10, 2),
    )
    # An analyst is not offered the action: posting it applies nothing.
    run_action(console_clients["analyst"], Payment, "apply_credit", [payment])
    later.refresh_from_db()
    assert later.balance == Decimal("60.00")
    response = run_action(console_clients["admin"], Payment, "apply_credit", [payment])
    assert "BANK-OVER: credit left 40.00 USD." in response.text
    later.refresh_from_db()
    # 100.00 of credit: 60.00 pays the note, 40.00 left.
    assert (later.balance, later.status) == (Decimal("0.00"), "paid")
