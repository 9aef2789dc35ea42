"""Correcting issued documents: voiding a finalized, unpaid one (its lines billed again by the
next run) and debit notes for what an invoice under-charged. Amounts are computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from registry.audit.models import AuditEvent
from registry.billing import selectors, services
from registry.billing.models import Invoice, InvoiceLine, JournalEntry
from registry.core.errors import InvalidInputError, StateConflictError
from registry.usage.services import usage_line_retract
from tests.billing.conftest import AUGUST, balances, bill, reconciles
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

# The worked example's invoice posted: 4,522.98 due, 3,738.00 to the performer, the P&H 784.98
# (21% under TV/Theatrical 2023) split 392.49 / 392.49.
AUGUST_BALANCES = {
    "receivable": Decimal("4522.98"),
    "payable": Decimal("-3738.00"),
    "fund:health_plan": Decimal("-392.49"),
    "fund:pension_plan": Decimal("-392.49"),
}

SEPTEMBER = dt.date(2025, 9, 1)


# --- Voiding ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rerun", "adjustment"),
    [(AUGUST, False), (SEPTEMBER, True)],
    ids=["same period", "next period"],
)
def test_void_then_rerun_bills_the_same_lines_once_more_with_the_same_totals(
    august_invoice, performer, rerun, adjustment, django_capture_on_commit_callbacks, capsys
):
    # given the worked example invoiced and posted
    charge = august_invoice.lines.get()

    # when staff void it
    voided = services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="Sent to the wrong legal entity")

    # then it keeps its number, says why, releases its line and its postings are reversed
    voided.refresh_from_db()
    assert (voided.status, voided.number, voided.void_reason) == (
        "void",
        august_invoice.number,
        "Sent to the wrong legal entity",
    )
    assert voided.voided_at is not None
    assert InvoiceLine.objects.get(pk=charge.pk).released is True
    assert JournalEntry.objects.filter(invoice=voided).count() == 2
    assert balances() == dict.fromkeys(AUGUST_BALANCES, Decimal("0.00"))
    assert reconciles(capsys)
    event = AuditEvent.objects.get(action="invoice.voided")
    assert (event.subject_id, event.data["reason"], event.data["lines_released"]) == (
        voided.public_id,
        "Sent to the wrong legal entity",
        1,
    )
    assert selectors.performer_statement(performer.performer, AUGUST)["lines"] == []

    # when the period (or the next) is billed again
    bill(rerun, django_capture_on_commit_callbacks)

    # then the same usage line is billed once more, for the same amount, on a new number
    again = Invoice.objects.exclude(pk=voided.pk).get()
    line = again.lines.get()
    assert (again.period, again.status, again.total) == (rerun, "finalized", Decimal("4522.98"))
    assert again.number == august_invoice.number[:-6] + "000002"
    assert (line.usage_line_id, line.performer_pay, line.is_adjustment) == (
        charge.usage_line_id,
        Decimal("3738.00"),
        adjustment,
    )
    assert balances() == AUGUST_BALANCES
    statement = selectors.performer_statement(performer.performer, rerun)
    assert statement["totals"] == {"USD": Decimal("3738.00")}
    assert [row["document"] for row in statement["lines"]] == [again.number]

    # and billing once more bills nothing
    bill(rerun, django_capture_on_commit_callbacks)
    assert Invoice.objects.count() == 2
    assert reconciles(capsys)


def _paid(invoice: Invoice) -> Invoice:
    return services.invoice_mark_paid(invoice=invoice, actor=SYSTEM)


def _voided(invoice: Invoice) -> Invoice:
    return services.invoice_void(invoice=invoice, actor=SYSTEM, reason="first void")


def _draft(invoice: Invoice) -> Invoice:
    return Invoice.objects.create(
        studio=invoice.studio, period=SEPTEMBER, currency="USD", created_at=invoice.created_at, status="draft"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_paid, "is paid: a paid invoice is not voided; correct it with a credit note."),
        (_voided, "is already void."),
        (_draft, "is a draft: only a finalized document is voided."),
    ],
    ids=["paid", "void", "draft"],
)
def test_voiding_what_is_not_finalized_and_unpaid_is_refused(august_invoice, make, message):
    document = make(august_invoice)
    before = (
        JournalEntry.objects.count(),
        AuditEvent.objects.count(),
        InvoiceLine.objects.filter(released=True).count(),
    )
    with pytest.raises(StateConflictError, match=message):
        services.invoice_void(invoice=document, actor=SYSTEM, reason="again")
    after = (
        JournalEntry.objects.count(),
        AuditEvent.objects.count(),
        InvoiceLine.objects.filter(released=True).count(),
    )
    assert after == before
    document.refresh_from_db()
    assert document.void_reason in ("", "first void")


def test_voiding_needs_a_reason(august_invoice):
    with pytest.raises(InvalidInputError) as caught:
        services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="  ")
    assert caught.value.problems[0].field == "reason"
    august_invoice.refresh_from_db()
    assert august_invoice.status == "finalized"


def test_a_credited_invoice_is_voided_after_its_credit_note(
    august_invoice, django_capture_on_commit_callbacks, capsys
):
    # given the invoice's line retracted and credited on September's credit note
    usage_line_retract(line=august_invoice.lines.get().usage_line, reason="Reported twice", actor=SYSTEM)
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    credit = Invoice.objects.get(document_type="credit_note")

    # then the invoice cannot be voided while the credit note stands (it would be reversed twice)
    with pytest.raises(StateConflictError, match=f"is corrected by {credit.number}: void that first"):
        services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="wrong entity")

    # when the credit note and then the invoice are voided
    services.invoice_void(invoice=credit, actor=SYSTEM, reason="issued to the wrong entity")
    services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="wrong entity")

    # then the books are back to nothing, and a new run neither bills nor credits the retracted line
    assert set(balances().values()) == {Decimal("0.00")}
    bill(dt.date(2025, 10, 1), django_capture_on_commit_callbacks)
    assert Invoice.objects.count() == 2
    assert reconciles(capsys)


def test_a_voided_credit_note_is_issued_again_by_the_next_run(august_invoice, django_capture_on_commit_callbacks):
    usage_line_retract(line=august_invoice.lines.get().usage_line, reason="Reported twice", actor=SYSTEM)
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    credit = Invoice.objects.get(document_type="credit_note")
    services.invoice_void(invoice=credit, actor=SYSTEM, reason="issued before the studio confirmed")
    assert balances() == AUGUST_BALANCES

    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    reissued = Invoice.objects.get(document_type="credit_note", status="finalized")
    assert (reissued.period, reissued.total, reissued.original) == (SEPTEMBER, Decimal("-4522.98"), august_invoice)
    assert set(balances().values()) == {Decimal("0.00")}


def test_staff_void_in_the_admin_with_a_reason_and_analysts_cannot(august_invoice, staff, analyst):
    url = "/admin/billing/invoice/"
    chosen = {"action": "void", "_selected_action": [august_invoice.pk]}
    viewer = Client()
    viewer.force_login(analyst.user)
    assert viewer.post(url, {**chosen, "apply": "1", "reason": "nope"}).status_code == 403
    admin = Client()
    admin.force_login(staff.user)

    confirm = admin.post(url, chosen)
    assert confirm.status_code == 200
    assert b"Voiding keeps each document's number" in confirm.content
    august_invoice.refresh_from_db()
    assert august_invoice.status == "finalized"

    done = admin.post(url, {**chosen, "apply": "1", "reason": "Duplicate of a manual invoice"}, follow=True)
    assert done.status_code == 200
    august_invoice.refresh_from_db()
    assert (august_invoice.status, august_invoice.void_reason) == ("void", "Duplicate of a manual invoice")
    assert AuditEvent.objects.get(action="invoice.voided").data["reason"] == "Duplicate of a manual invoice"
    page = admin.get(f"{url}{august_invoice.pk}/change/")
    assert page.status_code == 200 and b"Duplicate of a manual invoice" in page.content


def test_the_studio_sees_a_void_invoice_as_void(august_invoice, billed_studio):
    services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="Sent to the wrong legal entity")
    body = billed_studio.client.get(f"/api/v1/invoices/{august_invoice.public_id}").json()
    assert (body["number"], body["status"], body["void_reason"]) == (
        august_invoice.number,
        "void",
        "Sent to the wrong legal entity",
    )
    pdf = billed_studio.client.get(f"/api/v1/invoices/{august_invoice.public_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_voiding_takes_the_contributions_back_from_the_funds(ph_invoice, billed_studio, performer, staff):
    # given 855.00 of P&H owed to the funds, 427.50 each
    assert {(f["fund"], f["balance"]) for f in selectors.fund_balances()} == {
        ("health_plan", Decimal("427.50")),
        ("pension_plan", Decimal("427.50")),
    }

    services.invoice_void(invoice=ph_invoice, actor=SYSTEM, reason="Billed under the wrong agreement")

    # then the funds are owed nothing, the statement is empty, and the studio still sees the void invoice
    assert {(f["fund"], f["balance"]) for f in selectors.fund_balances()} == {
        ("health_plan", Decimal("0.00")),
        ("pension_plan", Decimal("0.00")),
    }
    assert selectors.performer_statement(performer.performer, AUGUST)["totals"] == {}
    listing = billed_studio.client.get("/api/v1/invoices/?status=void").json()["results"]
    assert [(i["number"], i["total"]) for i in listing] == [(ph_invoice.number, "5355.00")]


# --- Debit notes ------------------------------------------------------------------------------
def test_a_debit_note_bills_the_difference_of_a_corrected_line(august_invoice, performer, billed_studio, capsys):
    # given the worked example billed at 3 good-faith days, when an audit finds 5
    charge = august_invoice.lines.get()
    note = services.debit_note_issue(
        original=august_invoice,
        corrections=[services.Correction(line=charge, estimated_days=Decimal("5"))],
        reason="Production audit: the replica worked 5 days, not 3",
        actor=SYSTEM,
    )

    # then it charges max(1,100, 1,246) × 5 = 6,230.00 less the 3,738.00 charged = 2,492.00, and
    # P&H 21% of 6,230.00 = 1,308.30 less the 784.98 charged = 523.32: 3,015.32 in all
    assert (note.document_type, note.status, note.original, note.period) == (
        "debit_note",
        "finalized",
        august_invoice,
        AUGUST,
    )
    assert note.number == f"DBN-{note.finalized_at.year}-000002"  # the one gap-free yearly sequence
    assert (note.performer_pay, note.ph_contributions, note.total) == (
        Decimal("2492.00"),
        Decimal("523.32"),
        Decimal("3015.32"),
    )
    line = note.lines.get()
    # Kept under its charge's month (the usage line's), and naming the charge with it.
    assert (line.month, line.corrects_month) == (charge.month, charge.month) == (AUGUST, AUGUST)
    assert (line.corrects, line.usage_line_id, line.grant_id, line.token_jti) == (
        charge,
        charge.usage_line_id,
        charge.grant_id,
        charge.token_jti,
    )
    assert line.terms_used["corrected"] == {"estimated_days": "5"}
    assert line.explanation == (
        "EBDR: max(signed 1100.00/day × 5 = 5500.00; floor day_performer scale 1246.00/day × 5 = 6230.00) = "
        "6230.00; P&H 0.2100 × 6230.00 = 1308.30; "
        f"less 4522.98 charged on {august_invoice.number} = 3015.32"
    )
    assert line.description.startswith("Debit: Replica use")
    august_invoice.refresh_from_db()
    assert august_invoice.total == Decimal("4522.98")  # the original is never edited

    # and it is posted, audited, on the performer's statement and visible to the studio
    assert balances(entry__invoice=note) == {
        "receivable": Decimal("3015.32"),
        "payable": Decimal("-2492.00"),
        "fund:health_plan": Decimal("-261.66"),
        "fund:pension_plan": Decimal("-261.66"),
    }
    assert reconciles(capsys)
    event = AuditEvent.objects.get(action="debit_note.finalized")
    assert (event.data["original"], event.data["reason"], event.data["total"]) == (
        august_invoice.number,
        "Production audit: the replica worked 5 days, not 3",
        "3015.32",
    )
    assert selectors.performer_statement(performer.performer, AUGUST)["totals"] == {"USD": Decimal("6230.00")}
    listing = billed_studio.client.get("/api/v1/invoices/?document_type=debit_note").json()["results"]
    assert [(d["number"], d["original"], d["total"], d["reason"]) for d in listing] == [
        (note.number, august_invoice.number, "3015.32", "Production audit: the replica worked 5 days, not 3")
    ]
    pdf = billed_studio.client.get(f"/api/v1/invoices/{note.public_id}/pdf")
    assert pdf.status_code == 200 and f'filename="{note.number}.pdf"' in pdf["Content-Disposition"]


def test_a_debit_note_with_pandh_routes_the_extra_contributions_to_the_funds(ph_invoice):
    charge = ph_invoice.lines.get()
    # 4 days: 6,000.00 pay and 1,140.00 P&H, less 4,500.00 and 855.00 charged
    first = services.debit_note_issue(
        original=ph_invoice,
        corrections=[services.Correction(line=charge, estimated_days=Decimal("4"))],
        reason="One more day",
        actor=SYSTEM,
    )
    assert (first.performer_pay, first.ph_contributions, first.fund_royalties, first.total) == (
        Decimal("1500.00"),
        Decimal("285.00"),
        Decimal("0.00"),
        Decimal("1785.00"),
    )
    assert balances(entry__invoice=first) == {
        "receivable": Decimal("1785.00"),
        "payable": Decimal("-1500.00"),
        "fund:health_plan": Decimal("-142.50"),
        "fund:pension_plan": Decimal("-142.50"),
    }

    # a later correction to 6 days bills 9,000.00 + 1,710.00 less everything charged so far
    # (5,355.00 + 1,785.00 = 7,140.00): 3,570.00
    second = services.debit_note_issue(
        original=ph_invoice,
        corrections=[services.Correction(line=charge, estimated_days=Decimal("6"))],
        reason="Two more days",
        actor=SYSTEM,
    )
    assert (second.performer_pay, second.ph_contributions, second.total) == (
        Decimal("3000.00"),
        Decimal("570.00"),
        Decimal("3570.00"),
    )
    assert second.lines.get().explanation.endswith(
        f"less 7140.00 charged on {ph_invoice.number}, {first.number} = 3570.00"
    )


def _line_of(invoice):
    return invoice.lines.get()


@pytest.mark.parametrize(
    ("correction", "error", "field"),
    [
        ({"estimated_days": Decimal("3")}, "not more than the 4522.98 already charged", "corrections[0]"),
        ({"estimated_days": Decimal("2")}, "not more than the 4522.98 already charged", "corrections[0]"),
        ({"estimated_days": Decimal("0")}, "must be a positive amount", "corrections[0].estimated_days"),
        ({"units": Decimal("1.005")}, "must be a positive amount", "corrections[0].units"),
        ({}, "Say what is corrected", "corrections[0]"),
    ],
    ids=["same facts", "lower", "zero days", "three decimals", "nothing corrected"],
)
def test_a_debit_note_only_adds(august_invoice, correction, error, field):
    with pytest.raises(InvalidInputError, match=error) as caught:
        services.debit_note_issue(
            original=august_invoice,
            corrections=[services.Correction(line=august_invoice.lines.get(), **correction)],
            reason="audit",
            actor=SYSTEM,
        )
    assert caught.value.problems[0].field == field
    assert not Invoice.objects.filter(document_type="debit_note").exists()


def test_issuing_the_same_correction_twice_bills_once(august_invoice):
    correction = services.Correction(line=august_invoice.lines.get(), estimated_days=Decimal("5"))
    services.debit_note_issue(original=august_invoice, corrections=[correction], reason="audit", actor=SYSTEM)
    with pytest.raises(InvalidInputError, match=r"re-rated comes to 7538\.30, not more than the 7538\.30"):
        services.debit_note_issue(original=august_invoice, corrections=[correction], reason="audit", actor=SYSTEM)
    assert Invoice.objects.filter(document_type="debit_note").count() == 1


def test_a_debit_note_corrects_only_an_issued_invoice_and_its_own_lines(
    august_invoice, django_capture_on_commit_callbacks
):
    charge = august_invoice.lines.get()
    usage_line_retract(line=charge.usage_line, reason="Reported twice", actor=SYSTEM)
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    credit = Invoice.objects.get(document_type="credit_note")
    cases = [
        (credit, charge, StateConflictError, "a debit note corrects a finalized or paid invoice"),
        (august_invoice, credit.lines.get(), InvalidInputError, "That line is not a charge on"),
        (august_invoice, charge, StateConflictError, f"was retracted and credited on {credit.number}"),
    ]
    for original, line, error, message in cases:
        with pytest.raises(error, match=message):
            services.debit_note_issue(
                original=original,
                corrections=[services.Correction(line=line, estimated_days=Decimal("9"))],
                reason="audit",
                actor=SYSTEM,
            )
    services.invoice_void(invoice=credit, actor=SYSTEM, reason="x")
    voided = services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="x")
    with pytest.raises(StateConflictError, match="is a void invoice"):
        services.debit_note_issue(
            original=voided,
            corrections=[services.Correction(line=charge, estimated_days=Decimal("9"))],
            reason="audit",
            actor=SYSTEM,
        )
    assert not Invoice.objects.filter(document_type="debit_note").exists()


def test_a_debit_note_is_voided_before_its_invoice_and_the_rerun_bills_the_reported_facts(
    august_invoice, django_capture_on_commit_callbacks, capsys
):
    charge = august_invoice.lines.get()
    note = services.debit_note_issue(
        original=august_invoice,
        corrections=[services.Correction(line=charge, estimated_days=Decimal("5"))],
        reason="audit",
        actor=SYSTEM,
    )
    with pytest.raises(StateConflictError, match=f"is corrected by {note.number}"):
        services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="x")
    services.invoice_void(invoice=note, actor=SYSTEM, reason="audit withdrawn")
    services.invoice_void(invoice=august_invoice, actor=SYSTEM, reason="wrong entity")
    assert set(balances().values()) == {Decimal("0.00")}

    bill(AUGUST, django_capture_on_commit_callbacks)

    rebilled = Invoice.objects.get(document_type="invoice", status="finalized")
    assert rebilled.total == Decimal("4522.98")  # the usage line as reported: the debit note was voided
    assert reconciles(capsys)


def test_a_retracted_line_is_credited_with_its_debit_notes(august_invoice, django_capture_on_commit_callbacks):
    charge = august_invoice.lines.get()
    note = services.debit_note_issue(
        original=august_invoice,
        corrections=[services.Correction(line=charge, estimated_days=Decimal("5"))],
        reason="audit",
        actor=SYSTEM,
    )
    usage_line_retract(line=charge.usage_line, reason="Reported twice", actor=SYSTEM)
    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    credit = Invoice.objects.get(document_type="credit_note")
    assert credit.total == Decimal("-7538.30")  # 6,230.00 pay and 1,308.30 P&H credited
    assert credit.lines.get().explanation == f"credits {august_invoice.number}, {note.number}"
    assert set(balances().values()) == {Decimal("0.00")}
    with pytest.raises(StateConflictError, match=f"is corrected by {credit.number}"):
        services.invoice_void(invoice=note, actor=SYSTEM, reason="x")


def test_staff_issue_a_debit_note_in_the_admin_and_analysts_cannot(august_invoice, staff, analyst):
    url = "/admin/billing/invoice/"
    charge = august_invoice.lines.get()
    chosen = {"action": "debit_note", "_selected_action": [august_invoice.pk]}
    filled = {**chosen, "apply": "1", "line": charge.pk, "estimated_days": "5", "reason": "Production audit"}
    viewer = Client()
    viewer.force_login(analyst.user)
    assert viewer.post(url, filled).status_code == 403
    admin = Client()
    admin.force_login(staff.user)

    form = admin.post(url, chosen)
    assert form.status_code == 200
    assert charge.description.encode() in form.content
    assert admin.post(url, {**filled, "estimated_days": "0"}).status_code == 200  # the form again, with its error
    assert not Invoice.objects.filter(document_type="debit_note").exists()

    admin.post(url, filled, follow=True)
    note = Invoice.objects.get(document_type="debit_note")
    assert (note.original, note.total, note.reason) == (august_invoice, Decimal("3015.32"), "Production audit")


def test_staff_follow_the_ledger_in_the_admin_by_account_kind_and_document(august_invoice, staff, analyst):
    from registry.billing.models import JournalEntry, Posting

    finalized = JournalEntry.objects.get(invoice=august_invoice)
    for user in (staff.user, analyst.user):
        client = Client()
        client.force_login(user)
        entries = client.get("/admin/billing/journalentry/", {"postings__account__kind": "payable"})
        assert entries.status_code == 200
        assert list(entries.context["cl"].result_list) == [finalized]  # once, though it has many legs
        legs = client.get("/admin/billing/posting/", {"q": august_invoice.number})
        assert legs.status_code == 200
        assert {p.pk for p in legs.context["cl"].result_list} == set(
            Posting.objects.filter(entry=finalized).values_list("pk", flat=True)
        )
        by_kind = client.get("/admin/billing/posting/", {"account__kind": "fund"})
        assert all(p.account.kind == "fund" for p in by_kind.context["cl"].result_list)


# --- A credit note gives each fund back its own cents ---------------------------------------------
def test_a_credit_note_gives_each_fund_back_exactly_what_the_invoice_gave_it(
    billed_studio, performer, tvth, monkeypatch, django_capture_on_commit_callbacks, capsys
):
    from tests.billing.conftest import past_grant, replica_line, report

    # The documents' ids fixed, so that the odd cent of each 50/50 P&H split goes first to the
    # health plan on the invoice and first to the pension plan on the credit note (the order is
    # drawn from the document's id). Before the fix the credit note split what it gave back with
    # its own id: the health plan kept a cent it was not owed and the pension plan lost one.
    planned = {"invoice": ["inv_charged0001"], "credit_note": ["inv_credit00000"]}
    create = Invoice.objects.create

    def create_with_planned_id(**fields):
        ids = planned.get(fields.get("document_type"), [])
        return create(**fields, **({"public_id": ids.pop(0)} if ids else {}))

    monkeypatch.setattr(Invoice.objects, "create", create_with_planned_id)

    # given own daily 1,501 > day scale 1,246: 1,501 x 3 = 4,503.00 pay; P&H 0.21 x 4,503.00 =
    # 945.63, an odd cent: 945.63 / 2 = 472.815, so 472.82 health and 472.81 pension
    grant = past_grant(billed_studio.studio, performer.performer, tvth, own_daily=Decimal("1501"))
    report(billed_studio.studio, [replica_line("L-odd", grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(document_type="invoice")
    assert (invoice.public_id, invoice.performer_pay, invoice.ph_contributions, invoice.total) == (
        "inv_charged0001",
        Decimal("4503.00"),
        Decimal("945.63"),
        Decimal("5448.63"),  # 4,503.00 + 945.63
    )
    assert balances() == {
        "receivable": Decimal("5448.63"),
        "payable": Decimal("-4503.00"),
        "fund:health_plan": Decimal("-472.82"),
        "fund:pension_plan": Decimal("-472.81"),
    }

    # when the line is retracted and September's run credits it in full
    usage_line_retract(line=invoice.lines.get().usage_line, reason="Reported twice", actor=SYSTEM)
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    credit = Invoice.objects.get(document_type="credit_note")
    assert (credit.public_id, credit.total) == ("inv_credit00000", Decimal("-5448.63"))

    # then each plan gives back exactly its own share: 472.82 health, 472.81 pension, and nothing
    # is owed to anyone
    assert balances(entry__invoice=credit) == {
        "receivable": Decimal("-5448.63"),
        "payable": Decimal("4503.00"),
        "fund:health_plan": Decimal("472.82"),
        "fund:pension_plan": Decimal("472.81"),
    }
    assert set(balances().values()) == {Decimal("0.00")}
    assert reconciles(capsys)
