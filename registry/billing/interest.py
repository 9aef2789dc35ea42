"""Late-payment interest: once a month, a debit note to each studio for the interest its overdue
documents bore in the month just ended.

A separate debit note, not a line on the next period's invoice: a studio with no usage next
month gets no invoice to carry the line, the interest would then wait or need a document of its
own anyway; an invoice is rated usage that performers and funds are paid from, while interest is
the registry's own income (its own ledger account); and a note per studio and month is what makes
the task exactly-once (a unique constraint on studio, currency and month), whatever else that
month's invoice is corrected by. The note itself bears no interest (simple interest).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registry.billing import rules as receivable_rules
from registry.billing.documents import DocumentLines, DocumentTotals, finalize_draft, set_totals
from registry.billing.models import Invoice, InvoiceLine, PaymentApplication
from registry.billing.payments import PAYABLE_TYPES
from registry.billing.periods import period_end as month_end
from registry.core.actors import Actor
from registry.core.vocabulary.billing import DocumentType, InvoiceStatus
from registry.parties.locks import lock_studio

ZERO = Decimal("0.00")


def _bearing_interest(month: dt.date, last: dt.date):
    """Documents that were overdue on some day of the month: due before its last day, and either
    still open or paid during or after it (their balance stood for part of the month)."""
    paid_since = PaymentApplication.objects.filter(applied_on__gte=month).values("invoice_id")
    return (
        Invoice.objects.filter(
            status__in=(InvoiceStatus.FINALIZED, InvoiceStatus.PAID),
            document_type__in=PAYABLE_TYPES,
            interest_month__isnull=True,
            due_date__lt=last,
            total__gt=0,
        )
        .filter(Q(balance__gt=0) | Q(pk__in=paid_since))
        .order_by("studio_id", "currency", "due_date", "pk")
    )


def interest_studios(month: dt.date) -> list[tuple[int, str]]:
    """(studio id, currency) pairs the month's interest may concern."""
    last = month_end(month)
    return sorted(set(_bearing_interest(month, last).values_list("studio_id", "currency")))


def interest_note_issue(
    *, studio_id: int, currency: str, month: dt.date, now: dt.datetime | None = None
) -> Invoice | None:
    """The studio's late-interest debit note for the month (first day), finalized; the note
    already issued if there is one (so running twice makes one); None when nothing bore interest.
    Each line is one document's interest, its arithmetic in the explanation."""
    now = now or timezone.now()
    last = month_end(month)
    if last >= timezone.localtime(now).date():
        raise ValueError(f"{month:%Y-%m} has not ended: its interest is not known yet")
    with transaction.atomic():
        studio = lock_studio(studio_id)
        existing = Invoice.objects.filter(studio=studio, currency=currency, interest_month=month).first()
        if existing is not None:
            return existing
        documents = list(_bearing_interest(month, last).filter(studio=studio, currency=currency))
        paid: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for invoice_id, day, amount in PaymentApplication.objects.filter(
            invoice__in=[d.pk for d in documents]
        ).values_list("invoice_id", "applied_on", "amount"):
            paid[invoice_id].append((day, amount))
        charges = []
        for document in documents:
            rate = Decimal(document.payment_terms.get("late_interest_monthly_rate", "0"))
            interest = receivable_rules.late_interest(
                total=document.total,
                payments=paid[document.pk],
                due=document.due_date,
                first=month,
                last=last,
                monthly_rate=rate,
            )
            if interest.amount > 0:
                charges.append((document, interest))
        if not charges:
            return None
        note = Invoice.objects.create(
            studio=studio,
            period=month,
            currency=currency,
            created_at=now,
            document_type=DocumentType.DEBIT_NOTE,
            interest_month=month,
            reason=f"Late-payment interest for {month:%B %Y}",
        )
        totals = DocumentTotals()
        applied_terms = DocumentLines(note)
        lines = []
        for document, interest in charges:
            lines.append(
                InvoiceLine(
                    invoice=note,
                    month=note.period,
                    charged_document=document,
                    agreement_id=document.terms_agreement_id,
                    applied_terms_id=applied_terms.id_of(document.payment_terms),
                    description=(
                        f"Late interest on {document.number} (due {document.due_date.isoformat()}), "
                        f"{interest.days} day{'s' if interest.days != 1 else ''} in {month:%B %Y}"
                    ),
                    explanation=interest.explanation(currency)[:2000],
                    performer_pay=ZERO,
                    ph_contribution=ZERO,
                    fund_shares={},
                    fund_total=ZERO,
                    interest=interest.amount,
                    total=interest.amount,
                )
            )
            totals.lines += 1
            totals.interest += interest.amount
        InvoiceLine.objects.bulk_create(lines)
        set_totals(note, totals)
        return finalize_draft(
            invoice=note,
            totals=totals,
            actor=Actor.system("late interest"),
            now=now,
            terms_agreement=charges[0][0].terms_agreement,
            audit_data={"interest_month": month.isoformat()[:7], "documents": [d.number for d, _ in charges]},
        )
