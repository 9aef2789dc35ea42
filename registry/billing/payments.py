"""Money moving: a studio's payment of an invoice received, and payouts to performers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing import ledger
from registry.billing.models import Invoice, JournalEntry
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError
from registry.core.vocabulary.billing import AccountKind, DocumentType, InvoiceStatus
from registry.parties.models import Performer
from registry.webhooks import events as webhook_events


def invoice_mark_paid(*, invoice: Invoice, actor: Actor, now: dt.datetime | None = None) -> Invoice:
    """A payment received: Dr cash, Cr the studio's receivable."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related("studio").get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.FINALIZED or invoice.document_type != DocumentType.INVOICE:
            raise StateConflictError(f"{invoice} is {invoice.status}; only a finalized invoice is paid.")
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
        invoice.save(update_fields=["status", "paid_at"])
        ledger.post_entry(
            memo=f"Payment of {invoice.number}",
            currency=invoice.currency,
            posted_at=now,
            posted_by=actor.name,
            invoice=invoice,
            legs=[
                (ledger.account_named(AccountKind.CASH, invoice.currency), invoice.total),
                (ledger.account_for_studio(invoice.studio, invoice.currency), -invoice.total),
            ],
        )
        audit_record(
            actor=actor,
            action=AuditAction.INVOICE_PAID,
            subject_type=AuditSubject.INVOICE,
            subject_id=invoice.public_id,
            studio_id=invoice.studio.public_id,
            data={"number": invoice.number, "total": invoice.total},
        )
        webhook_events.invoice_paid(invoice)
    return invoice


def payout_record(
    *, performer: Performer, amount: Decimal, currency: str, actor: Actor, now: dt.datetime | None = None
) -> JournalEntry:
    """Money paid out to a performer: Dr their payable, Cr cash."""
    if amount <= 0:
        message = "a payout is a positive amount"
        raise InvalidInputError(message, problems=[FieldProblem("amount", "not_positive", message)])
    now = now or timezone.now()
    with transaction.atomic():
        entry = ledger.post_entry(
            memo=f"Payout to {performer.public_id}",
            currency=currency,
            posted_at=now,
            posted_by=actor.name,
            legs=[
                (ledger.account_for_performer(performer, currency), amount),
                (ledger.account_named(AccountKind.CASH, currency), -amount),
            ],
        )
        audit_record(
            actor=actor,
            action=AuditAction.PAYOUT_RECORDED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"amount": amount, "currency": currency},
        )
    return entry
