"""Reminders of overdue documents: the `invoice.overdue` webhook and an email to the studio's
billing contacts, the day after a document falls due and then on its agreement's schedule
(the reminder days copied onto the document at finalization), each step once and each in the
audit trail. Both go through the outbox: the webhook's send and the email are owed in the
transaction that records the step, so neither is lost nor sent for a step not recorded."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing import rules as receivable_rules
from registry.billing.documents import DEFAULT_REMINDER_DAYS
from registry.billing.models import DocumentReminder, Invoice
from registry.billing.payments import PAYABLE_TYPES
from registry.core.actors import Actor
from registry.core.vocabulary.billing import InvoiceStatus
from registry.outbox import services as outbox
from registry.parties.locks import lock_studio
from registry.webhooks import events as webhook_events

SEND_REMINDER_EMAIL_TASK = "billing.send_overdue_email"
BATCH = 500


def overdue_documents(today: dt.date):
    return Invoice.objects.filter(
        status=InvoiceStatus.FINALIZED, document_type__in=PAYABLE_TYPES, balance__gt=0, due_date__lt=today
    ).order_by("pk")


def steps_due(schedule: list[int], days_overdue: int, sent: set[int]) -> list[int]:
    """The schedule's steps reached and not yet sent."""
    return sorted(step for step in schedule if step <= days_overdue and step not in sent)


def document_remind(*, invoice_id: int, today: dt.date, now: dt.datetime | None = None) -> DocumentReminder | None:
    """Remind the studio of one overdue document if a step of its schedule is reached and not
    yet sent. Steps missed (the task did not run for days) are recorded with the step sent, so a
    studio gets one reminder, not a burst. Returns the reminder sent, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_related("studio").get(pk=invoice_id)
        lock_studio(invoice.studio_id)
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related("studio").get(pk=invoice_id)
        if invoice.status != InvoiceStatus.FINALIZED or invoice.balance <= 0 or invoice.due_date >= today:
            return None
        late = receivable_rules.days_overdue(invoice.due_date, today)
        schedule = list(invoice.payment_terms.get("reminder_days") or DEFAULT_REMINDER_DAYS)
        sent = set(invoice.reminders.values_list("days_overdue", flat=True))
        due = steps_due(schedule, late, sent)
        if not due:
            return None
        DocumentReminder.objects.bulk_create(
            [
                DocumentReminder(invoice=invoice, days_overdue=step, balance=invoice.balance, sent_at=now)
                for step in due
            ]
        )
        reminder = DocumentReminder.objects.get(invoice=invoice, days_overdue=due[-1])
        webhook_events.invoice_overdue(invoice, days_overdue=late, balance=invoice.balance, due_date=invoice.due_date)
        outbox.enqueue(SEND_REMINDER_EMAIL_TASK, reminder.pk, dedupe_key=f"{SEND_REMINDER_EMAIL_TASK}:{reminder.pk}")
        audit_record(
            actor=Actor.system("reminders"),
            action=AuditAction.INVOICE_OVERDUE_REMINDED,
            subject_type=AuditSubject.INVOICE,
            subject_id=invoice.public_id,
            studio_id=invoice.studio.public_id,
            data={
                "number": invoice.number,
                "due_date": invoice.due_date,
                "days_overdue": late,
                "steps": due,
                "balance": invoice.balance,
                "currency": invoice.currency,
            },
        )
    return reminder


def reminders_send(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Every overdue document's reminder owed today, each in its own transaction."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    sent = 0
    ids = list(overdue_documents(today).values_list("pk", flat=True))
    for invoice_id in ids:
        if document_remind(invoice_id=invoice_id, today=today, now=now):
            sent += 1
    return sent
