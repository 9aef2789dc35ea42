"""Receivables end to end through the database, hand-computed: payment terms on each document,
part payments and an overpayment kept as credit, a streaming success bonus invoiced and paid,
late interest on a debit note (once a month, whatever reruns), reminders on a schedule, payout
runs and their remittance file, and reconcile_ledger proving the books agree with the documents."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections

from registry.audit.models import AuditEvent
from registry.billing import interest, reminders
from registry.billing.models import (
    DocumentReminder,
    Invoice,
    JournalEntry,
    Payment,
    PaymentApplication,
    Payout,
    Posting,
)
from registry.billing.payments import NewPayment, payment_apply, payment_record, payout_run_create, remittance_csv
from registry.billing.reconcile import reconcile_ledger
from registry.billing.tasks import late_interest
from registry.core.errors import InvalidInputError, StateConflictError
from registry.outbox.models import OutboxMessage
from registry.parties.models import StudioContact
from registry.terms.models import Agreement
from tests.billing.conftest import balances
from tests.conftest import SYSTEM
from tests.residuals.builders import register_title, report_viewing
from tests.webhooks.conftest import allow_loopback, receiver  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

D = Decimal
REPORTED = dt.datetime(2025, 4, 20, 12, 0, tzinfo=dt.UTC)  # in exhibition year 1's window's wake


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def pay(studio, amount: str, reference: str, received_on: dt.date, documents=(), now=None):
    return payment_record(
        new=NewPayment(
            studio=studio,
            amount=D(amount),
            currency="USD",
            received_on=received_on,
            reference=reference,
            documents=tuple(documents),
        ),
        actor=SYSTEM,
        now=now or at(received_on),
    )


def set_dates(invoice: Invoice, issued: dt.date, due: dt.date) -> Invoice:
    """Move a document's dates to a fixed calendar (it was finalized today, whenever the tests run)."""
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=issued, due_date=due)
    invoice.refresh_from_db()
    return invoice


# --- Payment terms ----------------------------------------------------------------------------
def test_a_finalized_invoice_carries_its_agreements_payment_terms(august_invoice, tvth):
    # tvth ships the registry default: 30 days net, 1% a month, reminders on days 1, 15, 30, 60, 90.
    assert august_invoice.issue_date == august_invoice.finalized_at.date()
    assert august_invoice.due_date == august_invoice.issue_date + dt.timedelta(days=30)
    # 3,738.00 pay + P&H 21% x 3,738.00 = 784.98 (DOMAIN.md 3.1) = 4,522.98
    assert august_invoice.balance == august_invoice.total == D("4522.98")
    assert august_invoice.terms_agreement == tvth
    assert august_invoice.payment_terms == {
        "agreement": "tvth-2023",
        "days": 30,
        "late_interest_monthly_rate": "0.0100",
        "reminder_days": [1, 15, 30, 60, 90],
        "confidence": "L",
        "source": tvth.payment_terms_source,
    }


def test_terms_are_agreement_data(billed_studio, performer, tvth, django_capture_on_commit_callbacks):
    from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report

    tvth.payment_terms_days = 45
    tvth.late_interest_monthly_rate = D("0.0150")
    tvth.save()
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get()
    assert invoice.due_date - invoice.issue_date == dt.timedelta(days=45)
    assert invoice.payment_terms["late_interest_monthly_rate"] == "0.0150"


def test_a_document_mixing_agreements_carries_the_terms_that_give_the_least_time(
    billed_studio, performer, other_performer, tvth, django_capture_on_commit_callbacks
):
    """A run's invoice knows the agreements it rated its lines under: it carries the one that
    gives the studio the least time, as a document finalized on its own reads from its lines."""
    from registry.billing.documents import _terms_agreement_of
    from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report
    from tests.pricing_data import give_reference_pricing

    quicker = Agreement.objects.create(
        code="quick-20",
        name="Paid in 20 days",
        sector="tv_theatrical",
        effective_from=dt.date(2023, 11, 9),
        effective_to=dt.date(2030, 6, 30),
        payment_terms_days=20,
    )
    give_reference_pricing(quicker)
    billed_studio.studio.agreements.add(quicker)
    lines = [
        replica_line("L-1", past_grant(billed_studio.studio, performer.performer, tvth), dt.date(2025, 8, 12)),
        replica_line(
            "L-2", past_grant(billed_studio.studio, other_performer.performer, quicker), dt.date(2025, 8, 13)
        ),
    ]
    report(billed_studio.studio, lines)

    bill(AUGUST, django_capture_on_commit_callbacks)

    invoice = Invoice.objects.get()
    assert sorted(invoice.lines.values_list("agreement__code", flat=True)) == ["quick-20", "tvth-2023"]
    assert (invoice.terms_agreement, invoice.payment_terms["days"]) == (quicker, 20)
    assert invoice.due_date - invoice.issue_date == dt.timedelta(days=20)
    assert _terms_agreement_of(invoice) == quicker
    tvth.payment_terms_days = 15  # the lowest days decide, whichever agreement has them
    tvth.save()
    assert _terms_agreement_of(invoice) == tvth


# --- Payments ---------------------------------------------------------------------------------
def test_part_payments_then_an_overpayment_kept_as_credit(august_invoice, billed_studio, capsys):
    studio = billed_studio.studio
    # 4,522.98 owed (3,738.00 pay + 784.98 P&H). 1,000.00 received: 4,522.98 - 1,000.00 = 3,522.98
    # left, still finalized.
    first, created = pay(studio, "1000.00", "BANK-1", dt.date(2025, 10, 1))
    august_invoice.refresh_from_db()
    assert created and first.unapplied == D("0.00")
    assert (august_invoice.balance, august_invoice.status) == (D("3522.98"), "finalized")
    # 4,000.00 received (3,000.00 before P&H was charged: it would no longer overpay):
    # 3,522.98 pays the invoice, 4,000.00 - 3,522.98 = 477.02 stays as credit.
    second, _ = pay(studio, "4000.00", "BANK-2", dt.date(2025, 10, 20))
    august_invoice.refresh_from_db()
    assert (august_invoice.balance, august_invoice.status) == (D("0.00"), "paid")
    assert second.unapplied == D("477.02")
    assert [(a.payment.reference, a.amount) for a in august_invoice.applications.order_by("pk")] == [
        ("BANK-1", D("1000.00")),
        ("BANK-2", D("3522.98")),
    ]
    # Cash 1,000 + 4,000 = 5,000.00 in; the receivable cleared; 477.02 owed back to the studio;
    # the performer owed 3,738.00 and each plan half the P&H, 784.98 / 2 = 392.49.
    # -3,738.00 - 392.49 - 392.49 + 5,000.00 - 477.02 = 0.
    assert balances() == {
        "receivable": D("0.00"),
        "payable": D("-3738.00"),
        "fund:health_plan": D("-392.49"),
        "fund:pension_plan": D("-392.49"),
        "cash": D("5000.00"),
        "credit": D("-477.02"),
    }
    # Each application is its own ledger entry, on the document.
    assert JournalEntry.objects.filter(invoice=august_invoice, memo__startswith="Payment").count() == 2
    assert AuditEvent.objects.filter(action="invoice.paid", subject_id=august_invoice.public_id).count() == 1
    assert reconcile_ledger().ok
    call_command("reconcile_ledger")
    assert "Ledger reconciles" in capsys.readouterr().out


def test_credit_is_applied_to_a_later_document(august_invoice, billed_studio):
    studio = billed_studio.studio
    # 5,000.00 (4,000.00 before P&H: it must still overpay) on the 4,522.98 invoice:
    # 5,000.00 - 4,522.98 = 477.02 of credit.
    payment, _ = pay(studio, "5000.00", "BANK-9", dt.date(2025, 10, 1))
    assert payment.unapplied == D("477.02")
    later = make_bonus_invoice(billed_studio)  # 4,000.00
    payment_apply(payment=payment, actor=SYSTEM, now=at(dt.date(2025, 10, 2)))
    later.refresh_from_db()
    payment.refresh_from_db()
    # 477.02 of credit applied: 4,000.00 - 477.02 = 3,522.98 left; no credit left.
    assert (later.balance, payment.unapplied) == (D("3522.98"), D("0.00"))
    assert reconcile_ledger().ok


def test_staff_choose_the_documents_and_their_order(august_invoice, billed_studio):
    bonus = make_bonus_invoice(billed_studio)
    # Oldest first would pay the August invoice; the remittance advice names the bonus invoice:
    # 4,000.00 - 500.00 = 3,500.00 left on it, the August invoice's 4,522.98 untouched.
    pay(billed_studio.studio, "500.00", "BANK-3", dt.date(2025, 10, 1), documents=[bonus.public_id])
    bonus.refresh_from_db()
    august_invoice.refresh_from_db()
    assert (bonus.balance, august_invoice.balance) == (D("3500.00"), D("4522.98"))


def test_the_same_reference_is_recorded_once(august_invoice, billed_studio):
    pay(billed_studio.studio, "1000.00", "BANK-1", dt.date(2025, 10, 1))
    again, created = pay(billed_studio.studio, "1000.00", "BANK-1", dt.date(2025, 10, 1))
    assert not created
    assert again.unapplied == D("0.00")
    assert (Payment.objects.count(), PaymentApplication.objects.count()) == (1, 1)
    with pytest.raises(StateConflictError, match=r"already recorded for 1000\.00 USD"):
        pay(billed_studio.studio, "1200.00", "BANK-1", dt.date(2025, 10, 1))
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "reference", "received_on", "field", "code"),
    [
        ("0.00", "R", dt.date(2025, 10, 1), "amount", "not_positive"),
        ("10.005", "R", dt.date(2025, 10, 1), "amount", "not_cents"),
        ("10.00", "  ", dt.date(2025, 10, 1), "reference", "required"),
        ("10.00", "R" * 101, dt.date(2025, 10, 1), "reference", "max_length"),
        ("10.00", "R", dt.date(2099, 1, 1), "received_on", "in_future"),
    ],
)
def test_bad_payments_are_refused_and_post_nothing(billed_studio, amount, reference, received_on, field, code):
    with pytest.raises(InvalidInputError) as refused:
        pay(billed_studio.studio, amount, reference, received_on, now=at(dt.date(2026, 1, 1)))
    assert [(p.field, p.code) for p in refused.value.problems] == [(field, code)]
    assert not Payment.objects.exists() and not Posting.objects.exists()


def test_a_document_of_another_studio_is_refused(august_invoice, other_studio):
    with pytest.raises(InvalidInputError, match="is not a document of this studio"):
        pay(other_studio.studio, "10.00", "X", dt.date(2025, 10, 1), documents=[august_invoice.public_id])
    assert not Payment.objects.exists()


def test_a_paid_document_is_not_voided(august_invoice, billed_studio):
    from registry.billing.corrections import invoice_void

    pay(billed_studio.studio, "100.00", "BANK-1", dt.date(2025, 10, 1))
    with pytest.raises(StateConflictError, match="has payments applied"):
        invoice_void(invoice=august_invoice, actor=SYSTEM, reason="wrong")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_payment_recorded_at_once_on_two_connections_is_applied_once(
    require_postgres, august_invoice, billed_studio
):
    # given two clerks recording the bank's line BANK-7 at the same moment
    start_together = threading.Barrier(2)
    results: list = []

    def record() -> None:
        try:
            start_together.wait(timeout=30)
            results.append(pay(billed_studio.studio, "1000.00", "BANK-7", dt.date(2025, 10, 1)))
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then one records it, the other finds it: applied once, posted once
    assert sorted(created for _, created in results) == [False, True], results
    assert results[0][0].pk == results[1][0].pk
    august_invoice.refresh_from_db()
    assert august_invoice.balance == D("3522.98")  # 4,522.98 - 1,000.00, once
    assert (Payment.objects.count(), PaymentApplication.objects.count()) == (1, 1)
    assert JournalEntry.objects.filter(memo__contains="BANK-7").count() == 2  # received, applied
    assert reconcile_ledger().ok


# --- Residuals: every charge on a document ------------------------------------------------------
def make_bonus_invoice(billed_studio) -> Invoice:
    from registry.parties.models import Performer
    from registry.terms.models import Agreement

    tvth = Agreement.objects.get(code="tvth-2023")
    maya = Performer.objects.create(member_number="SB-1", legal_name="Maya Stone", date_of_birth=dt.date(1990, 1, 1))
    leo = Performer.objects.create(member_number="SB-2", legal_name="Leo Park", date_of_birth=dt.date(1985, 1, 1))
    title = register_title(billed_studio.studio, tvth, [(maya, "3000.00"), (leo, "1000.00")])
    report = report_viewing(title, "200000", now=REPORTED)
    return report.distribution.invoice


def test_a_success_bonus_is_invoiced_and_paid(billed_studio, tvth, capsys):
    # The cast's fixed residuals 3,000.00 + 1,000.00 = 4,000.00; bonus 100% = 4,000.00;
    # 75% = 3,000.00 to the cast pro rata (Maya 2,250.00, Leo 750.00), 25% = 1,000.00 to the fund.
    invoice = make_bonus_invoice(billed_studio)
    assert invoice.document_type == "residuals"
    assert invoice.number.startswith("RSI-2025-")
    assert (invoice.performer_pay, invoice.fund_royalties, invoice.total, invoice.balance) == (
        D("3000.00"),
        D("1000.00"),
        D("4000.00"),
        D("4000.00"),
    )
    assert invoice.due_date == dt.date(2025, 5, 20)  # issued 2025-04-20, 30 days net
    lines = list(invoice.lines.order_by("pk"))
    assert [(line.performer.legal_name if line.performer else None, line.total) for line in lines] == [
        ("Maya Stone", D("2250.00")),
        ("Leo Park", D("750.00")),
        (None, D("1000.00")),
    ]
    assert {line.source_ref for line in lines} == {invoice.bonus_distribution.public_id}
    # Posted as before: the distribution's entry is the invoice's.
    assert invoice.bonus_distribution.journal_entry == invoice.entries.get()
    # Paid in full: cleared.
    pay(billed_studio.studio, "4000.00", "BONUS-1", dt.date(2025, 5, 15))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("paid", D("0.00"))
    assert reconcile_ledger().ok


def test_training_licence_shares_are_invoiced(billed_studio, tvth):
    from registry.parties.models import Performer
    from tests.residuals.builders import record_licence

    maya = Performer.objects.create(member_number="TL-1", legal_name="Maya Stone", date_of_birth=dt.date(1990, 1, 1))
    title = register_title(billed_studio.studio, tvth, [(maya, "3000.00")])
    licence = record_licence(title, start=dt.date(2025, 9, 1), end=dt.date(2026, 8, 31), now=at(dt.date(2025, 8, 1)))
    # Fee 100,000.00 x 50% = 50,000.00 to the cast (Maya alone).
    invoice = licence.invoice
    assert (invoice.document_type, invoice.total) == ("residuals", D("50000.00"))
    assert invoice.lines.get().source_ref == licence.public_id
    assert licence.journal_entry == invoice.entries.get()
    assert reconcile_ledger().ok


def test_numbers_stay_gap_free_across_kinds(august_invoice, billed_studio):
    bonus = make_bonus_invoice(billed_studio)
    # One sequence a year across INV, CRN, DBN and RSI (the August invoice was numbered first this year).
    year = bonus.finalized_at.year
    numbers = sorted(
        int(n.rsplit("-", 1)[1])
        for n in Invoice.objects.filter(number__contains=f"-{year}-").values_list("number", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))


# --- Late interest ----------------------------------------------------------------------------
def test_interest_over_a_month_boundary_and_a_leap_day_on_one_note(august_invoice, billed_studio):
    invoice = set_dates(august_invoice, dt.date(2028, 1, 1), dt.date(2028, 1, 15))
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=dt.date(2028, 1, 1))
    # January 2028: 16 to 31 January, 16 days on 4,522.98 (3,738.00 pay + 784.98 P&H):
    # 4,522.98 x 0.12 = 542.7576; x 16 = 8,684.1216; /365 = 23.7921 -> 23.79
    january = interest.interest_note_issue(
        studio_id=billed_studio.studio.pk, currency="USD", month=dt.date(2028, 1, 1), now=at(dt.date(2028, 2, 1))
    )
    assert january.total == january.interest == D("23.79")
    # 2,522.98 received 2028-02-10 (1,738.00 before P&H: the part payment still leaves 2,000.00):
    # 4,522.98 - 2,522.98 = 2,000.00. February 2028 (29 days, the leap year):
    # 1 to 9 Feb on 4,522.98: 542.7576 x 9 = 4,884.8184; /365 = 13.3831
    # 10 to 29 Feb on 2,000.00: 2,000 x 0.12 x 20 = 4,800; /365 = 13.1507
    # 13.38306 + 13.15068 = 26.5337 -> 26.53
    pay(billed_studio.studio, "2522.98", "BANK-F", dt.date(2028, 2, 10), documents=[invoice.public_id])
    february = interest.interest_note_issue(
        studio_id=billed_studio.studio.pk, currency="USD", month=dt.date(2028, 2, 1), now=at(dt.date(2028, 3, 1))
    )
    assert february.total == D("26.53")
    line = february.lines.get()
    assert line.charged_document == invoice
    assert line.month == dt.date(2028, 2, 1)  # a line that bills no usage is kept under its note's period
    assert line.explanation == (
        "4,522.98 x 1% x 12/365 x 9 days (2028-02-01 to 2028-02-09) + "
        "2,000.00 x 1% x 12/365 x 20 days (2028-02-10 to 2028-02-29) = 26.53 USD"
    )
    assert (february.document_type, february.interest_month, february.number[:4]) == (
        "debit_note",
        dt.date(2028, 2, 1),
        "DBN-",
    )
    # The interest notes themselves bear none: March is on the invoice's 2,000.00 alone,
    # 31 days: 2,000 x 0.12 x 31/365 = 7,440/365 = 20.38
    march = interest.interest_note_issue(
        studio_id=billed_studio.studio.pk, currency="USD", month=dt.date(2028, 3, 1), now=at(dt.date(2028, 4, 1))
    )
    assert march.total == D("20.38")
    assert reconcile_ledger().ok


def test_the_worked_example_of_the_docs(august_invoice, billed_studio):
    """docs/receivables.md, "Worked example", step by step."""
    from registry.billing.selectors import studio_statement

    studio = billed_studio.studio
    invoice = set_dates(august_invoice, dt.date(2028, 1, 1), dt.date(2028, 1, 15))

    def note(month):
        first = dt.date(2028, month, 1)
        issued_on = dt.date(2028, month + 1, 1)
        return interest.interest_note_issue(studio_id=studio.pk, currency="USD", month=first, now=at(issued_on))

    # 0. 3,738.00 pay + 784.98 P&H (21%) = 4,522.98
    assert invoice.total == D("4522.98")
    # 1. 4,522.98 x 1% x 12/365 x 16 = 8,684.1216/365 = 23.7921 -> 23.79
    january = note(1)
    assert january.total == D("23.79")
    # 2. 2,522.98 on 2028-02-10: 4,522.98 - 2,522.98 = 2,000.00 left
    pay(studio, "2522.98", "BANK-F", dt.date(2028, 2, 10), documents=[invoice.public_id])
    # 3. 13.38306 (9 days on 4,522.98) + 13.15068 (20 days on 2,000.00) = 26.5337 -> 26.53
    february = note(2)
    assert february.total == D("26.53")
    # 4. 2,100.00 with no documents named: the invoice 2,000.00, then January's note 23.79, then
    #    February's 26.53 (oldest due first); 2,000.00 + 23.79 + 26.53 = 2,050.32;
    #    2,100.00 - 2,050.32 = 49.68 kept as credit.
    payment, _ = pay(studio, "2100.00", "BANK-M", dt.date(2028, 3, 5))
    assert [(a.invoice.number, a.amount) for a in payment.applications.order_by("pk")] == [
        (invoice.number, D("2000.00")),
        (january.number, D("23.79")),
        (february.number, D("26.53")),
    ]
    assert payment.unapplied == D("49.68")
    # 5. The statement, January to March: 4,522.98; + 23.79 = 4,546.77; - 2,522.98 = 2,023.79;
    #    + 26.53 = 2,050.32; - 2,100.00 = -49.68 closing, the studio's credit.
    statement = studio_statement(studio, "USD", dt.date(2028, 1, 1), dt.date(2028, 3, 31))
    assert statement["opening_balance"] == D("0.00")
    assert [(r["date"], r["amount"], r["balance"]) for r in statement["rows"]] == [
        (dt.date(2028, 1, 1), D("4522.98"), D("4522.98")),
        (dt.date(2028, 2, 1), D("23.79"), D("4546.77")),
        (dt.date(2028, 2, 10), D("-2522.98"), D("2023.79")),
        (dt.date(2028, 3, 1), D("26.53"), D("2050.32")),
        (dt.date(2028, 3, 5), D("-2100.00"), D("-49.68")),
    ]
    assert statement["closing_balance"] == statement["unapplied_payments"] == D("-49.68")
    assert set(statement["aging"].values()) == {D("0.00")}
    # March: 1 to 4 March on 2,000.00: 2,000 x 0.12 x 4/365 = 2.63, issued 1 April.
    assert note(3).total == D("2.63")
    assert reconcile_ledger().ok


def test_the_interest_task_run_twice_for_a_month_makes_one_note(
    august_invoice, billed_studio, django_capture_on_commit_callbacks
):
    set_dates(august_invoice, dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    # October 2025: 2 to 31 October, 30 days: 4,522.98 x 0.12 x 30/365 = 16,282.728/365 = 44.6102 -> 44.61
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            late_interest.delay("2025-10-01")
    note = Invoice.objects.get(interest_month=dt.date(2025, 10, 1))
    assert note.total == D("44.61")
    # Again, directly: the same note comes back.
    assert (
        interest.interest_note_issue(studio_id=billed_studio.studio.pk, currency="USD", month=dt.date(2025, 10, 1))
        == note
    )
    assert Invoice.objects.filter(interest_month__isnull=False).count() == 1


def test_no_interest_for_a_month_not_yet_ended(billed_studio):
    with pytest.raises(ValueError, match="has not ended"):
        interest.interest_note_issue(
            studio_id=billed_studio.studio.pk, currency="USD", month=dt.date(2028, 2, 1), now=at(dt.date(2028, 2, 29))
        )


# --- Reminders --------------------------------------------------------------------------------
def test_overdue_reminders_on_the_schedule_once_each(
    august_invoice, billed_studio, django_capture_on_commit_callbacks
):
    StudioContact.objects.create(
        studio=billed_studio.studio, name="Accounts", email="ap@northlight.test", role="billing"
    )
    StudioContact.objects.create(
        studio=billed_studio.studio, name="Dev", email="dev@northlight.test", role="technical"
    )
    set_dates(august_invoice, dt.date(2025, 9, 1), dt.date(2025, 10, 1))

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.reminders_send(today=day, now=at(day))

    assert run(dt.date(2025, 10, 1)) == 0  # due today: not overdue
    assert run(dt.date(2025, 10, 2)) == 1  # 1 day overdue: step 1
    assert run(dt.date(2025, 10, 2)) == 0  # the task again that day: nothing more
    assert run(dt.date(2025, 10, 10)) == 0  # between steps
    assert run(dt.date(2025, 11, 5)) == 1  # 35 days: steps 15 and 30 reached, one reminder
    assert list(DocumentReminder.objects.values_list("days_overdue", flat=True)) == [1, 15, 30]
    assert [m.to for m in mail.outbox] == [["ap@northlight.test"], ["ap@northlight.test"]]
    assert "is 30 or more days overdue" in mail.outbox[1].body
    assert "4,522.98 USD" in mail.outbox[1].body  # 3,738.00 pay + 784.98 P&H, unpaid
    assert AuditEvent.objects.filter(action="invoice.overdue_reminded").count() == 2
    assert OutboxMessage.objects.filter(task=reminders.SEND_REMINDER_EMAIL_TASK).count() == 2
    # Paid: no more reminders.
    pay(billed_studio.studio, "4522.98", "BANK-R", dt.date(2025, 11, 6))
    assert run(dt.date(2025, 12, 31)) == 0


def test_the_overdue_webhook_is_delivered_through_the_outbox(
    august_invoice,
    billed_studio,
    receiver,  # noqa: F811 (the webhook tests' fixture)
    allow_loopback,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from registry.core.vocabulary.webhooks import EventType
    from registry.webhooks import services as webhook_services

    webhook_services.endpoint_create(
        studio=billed_studio.studio, url=receiver.url, event_types=[EventType.INVOICE_OVERDUE], actor=SYSTEM
    )
    set_dates(august_invoice, dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_send(today=dt.date(2025, 10, 2), now=at(dt.date(2025, 10, 2)))
    [received] = receiver.received
    body = json.loads(received.body)
    assert body["type"] == "invoice.overdue"
    assert {k: body["data"][k] for k in ("number", "due_date", "days_overdue", "balance")} == {
        "number": august_invoice.number,
        "due_date": "2025-10-01",
        "days_overdue": 1,
        "balance": "4522.98",  # 3,738.00 pay + 784.98 P&H, unpaid
    }
    assert received.headers["webhook-signature"].startswith("v1,")


# --- Payouts ----------------------------------------------------------------------------------
def test_a_payout_run_settles_performers_and_funds_with_a_remittance_file(billed_studio):
    invoice = make_bonus_invoice(billed_studio)
    pay(billed_studio.studio, "4000.00", "BONUS-1", dt.date(2025, 5, 15))
    run, created = payout_run_create(currency="USD", paid_on=dt.date(2025, 5, 31), key="2025-05 USD", actor=SYSTEM)
    assert created
    # Maya 2,250.00 + Leo 750.00 + the success bonus fund 1,000.00 = 4,000.00
    assert run.total == D("4000.00")
    rows = list(csv.DictReader(io.StringIO(remittance_csv(run))))
    assert sorted((r["payee_kind"], r["name"], r["amount"], r["currency"]) for r in rows) == [
        ("fund", "Success Bonus Fund", "1000.00", "USD"),
        ("performer", "Leo Park", "750.00", "USD"),
        ("performer", "Maya Stone", "2250.00", "USD"),
    ]
    assert {r["reference"] for r in rows} == {f"{run.public_id}/{r['payee']}" for r in rows}
    # Everything settled: what came in from the studio went out to the cast and the fund.
    assert balances() == {
        "receivable": D("0.00"),
        "payable": D("0.00"),
        "fund:success_bonus_fund": D("0.00"),
        "cash": D("0.00"),
        "credit": D("0.00"),
    }
    # Again with the same key: the same run, nothing paid twice.
    again, created = payout_run_create(currency="USD", paid_on=dt.date(2025, 5, 31), key="2025-05 USD", actor=SYSTEM)
    assert (again.pk, created, Payout.objects.count()) == (run.pk, False, 3)
    assert invoice.lines.count() == 3
    assert reconcile_ledger().ok


def test_a_payout_run_pays_the_invoices_p_and_h_to_the_plans(august_invoice, billed_studio):
    # 4,522.98 received: 3,738.00 to the performer, the P&H 784.98 to the plans, 392.49 each.
    pay(billed_studio.studio, "4522.98", "BANK-A", dt.date(2025, 10, 15))
    run, _ = payout_run_create(currency="USD", paid_on=dt.date(2025, 10, 31), key="2025-10 USD", actor=SYSTEM)
    assert run.total == D("4522.98")  # 3,738.00 + 392.49 + 392.49
    rows = list(csv.DictReader(io.StringIO(remittance_csv(run))))
    assert sorted((r["payee_kind"], r["name"], r["amount"]) for r in rows) == [
        ("fund", "Health Plan", "392.49"),
        ("fund", "Pension Plan", "392.49"),
        ("performer", august_invoice.lines.get().performer.legal_name, "3738.00"),
    ]
    assert set(balances().values()) == {D("0.00")}
    assert reconcile_ledger().ok


def test_reconcile_finds_a_receivable_without_a_document(august_invoice, billed_studio):
    from registry.billing import ledger

    # A charge posted straight to the studio's receivable, with no document (the bug of issue 20).
    ledger.post_entry(
        memo="stray",
        legs=[
            (ledger.account_for_studio(billed_studio.studio, "USD"), D("10.00")),
            (ledger.account_named("clearing", "USD"), D("-10.00")),
        ],
        currency="USD",
        posted_at=at(dt.date(2025, 10, 1)),
        posted_by="test",
    )
    result = reconcile_ledger()
    # The documents: the August invoice's 4,522.98; the ledger: that + the stray 10.00 = 4,532.98.
    assert result.problems == [
        f"receivable:{billed_studio.studio.public_id}:USD: the ledger says 4532.98, the documents say 4522.98"
    ]
    with pytest.raises(SystemExit):
        call_command("reconcile_ledger")


def test_reconcile_finds_a_balance_that_disagrees_with_payments(august_invoice):
    Invoice.objects.filter(pk=august_invoice.pk).update(balance=D("3000.00"))
    problems = reconcile_ledger().problems
    assert f"{august_invoice.number}: balance 3000.00, but total 4522.98 less payments 0.00 is 4522.98" in problems
