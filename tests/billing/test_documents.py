"""invoice_finalize: a draft document finalized on its own comes out as a run finalizes one (the
same totals and ledger postings, the next gap-free number, an audit row), and anything but a
draft with lines is refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.audit.models import AuditEvent
from registry.billing.corrections import invoice_void
from registry.billing.documents import invoice_finalize
from registry.billing.models import Invoice, InvoiceLine, JournalEntry, Posting
from registry.core.errors import StateConflictError
from tests.billing.conftest import balances
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

FINALIZED_AT = dt.datetime(2025, 9, 2, 10, 0, tzinfo=dt.UTC)


def _postings(invoice: Invoice) -> dict[str, Decimal]:
    rows = Posting.objects.filter(entry__invoice=invoice).order_by("entry_id", "pk")
    first_entry = rows.first().entry_id
    return {p.account.code: p.amount for p in rows.filter(entry_id=first_entry).select_related("account")}


def _draft_with_the_lines_of(voided: Invoice) -> Invoice:
    """A draft for the same studio and period carrying copies of a voided document's lines
    (released by the void, so they may stand again), and no totals yet."""
    draft = Invoice.objects.create(
        studio=voided.studio,
        period=voided.period,
        currency=voided.currency,
        created_at=FINALIZED_AT,
        document_type=voided.document_type,
    )
    for line in voided.lines.all():
        line.pk = None
        line.invoice = draft
        line.released = False
        line.save(force_insert=True)
    return draft


def test_a_draft_is_finalized_with_the_totals_and_postings_a_run_gives_it(ph_invoice):
    # given the P&H example as a run finalized it (pay 4,500.00, P&H 855.00 to two funds), voided,
    # and a draft carrying the same lines
    posted_by_the_run = _postings(ph_invoice)
    invoice_void(invoice=ph_invoice, actor=SYSTEM, reason="Billed under the wrong agreement")
    draft = _draft_with_the_lines_of(ph_invoice)

    # when staff finalize the draft
    finalized = invoice_finalize(invoice=draft, actor=SYSTEM)

    # then it carries the run's totals, the next number and the same postings
    finalized.refresh_from_db()
    next_number = ph_invoice.number[:-6] + "000002"
    assert (finalized.status, finalized.number) == ("finalized", next_number)
    assert finalized.finalized_at is not None
    assert (finalized.performer_pay, finalized.ph_contributions, finalized.fund_royalties, finalized.total) == (
        Decimal("4500.00"),
        Decimal("855.00"),
        Decimal("0.00"),
        Decimal("5355.00"),
    )
    assert _postings(finalized) == posted_by_the_run
    assert [k for k in posted_by_the_run if k.startswith("fund:")], "the example posts P&H to the funds"
    event = AuditEvent.objects.get(action="invoice.finalized", subject_id=finalized.public_id)
    assert (event.data["number"], event.data["lines"], event.data["total"]) == (next_number, 1, "5355.00")
    assert sum(balances().values()) == 0


@pytest.mark.parametrize("status", ["finalized", "void"])
def test_only_a_draft_is_finalized(august_invoice, status):
    if status == "void":
        invoice_void(invoice=august_invoice, actor=SYSTEM, reason="Sent to the wrong legal entity")
    before = (Invoice.objects.values_list("status", "number").get(pk=august_invoice.pk), JournalEntry.objects.count())

    with pytest.raises(StateConflictError, match=f"is {status}; only a draft is finalized"):
        invoice_finalize(invoice=august_invoice, actor=SYSTEM)

    assert (
        Invoice.objects.values_list("status", "number").get(pk=august_invoice.pk),
        JournalEntry.objects.count(),
    ) == before


def test_a_draft_with_no_lines_is_not_finalized(billed_studio):
    draft = Invoice.objects.create(
        studio=billed_studio.studio, period=dt.date(2025, 8, 1), currency="USD", created_at=FINALIZED_AT
    )

    with pytest.raises(StateConflictError, match="has no lines"):
        invoice_finalize(invoice=draft, actor=SYSTEM)

    draft.refresh_from_db()
    assert (draft.status, draft.number, JournalEntry.objects.count(), InvoiceLine.objects.count()) == (
        "draft",
        None,
        0,
        0,
    )
