"""Money moving: studios' payments received and applied to their documents, and payouts to
performers and funds.

A payment is posted when it is recorded (Dr cash, Cr the studio's credit) and each part of it
applied to a document is posted again (Dr the studio's credit, Cr the studio's receivable), so
what no document took stays visibly on the studio's credit account. Every writer of a studio's
receivable holds the studio's row lock (parties.locks.lock_studio), so a payment recorded twice
at once, or while a billing run bills the studio, queues instead of interleaving; the payment
reference is unique per studio, so the second recording finds the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing import ledger
from registry.billing import rules as receivable_rules
from registry.billing.models import (
    Invoice,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentApplication,
    Payout,
    PayoutRun,
)
from registry.billing.money import round_money
from registry.core import limits
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError
from registry.core.spreadsheet import as_text
from registry.core.vocabulary.billing import AccountKind, DocumentType, InvoiceStatus, PayeeKind, PaymentMethod
from registry.parties.locks import lock_studio
from registry.parties.models import Performer, Studio
from registry.webhooks import events as webhook_events

ZERO = Decimal("0.00")
MAX_REFERENCE_LENGTH = 100
# Documents a payment may settle: what a studio owes (a credit note is owed to the studio).
PAYABLE_TYPES = (DocumentType.INVOICE, DocumentType.DEBIT_NOTE, DocumentType.RESIDUALS)


def _refuse(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInputError("; ".join(p.message for p in problems), problems=problems)


def open_documents(studio: Studio, currency: str) -> Sequence[Invoice]:
    """The studio's documents with something owed, oldest due first (then oldest issued)."""
    return list(
        Invoice.objects.filter(
            studio=studio,
            currency=currency,
            status=InvoiceStatus.FINALIZED,
            document_type__in=PAYABLE_TYPES,
            balance__gt=0,
        ).order_by("due_date", "issue_date", "pk")
    )


# --- Payments received ------------------------------------------------------------------------
@dataclass(frozen=True)
class NewPayment:
    studio: Studio
    amount: Decimal
    currency: str
    received_on: dt.date
    reference: str
    method: str = PaymentMethod.BANK_TRANSFER
    # Public ids of the documents to apply it to, in this order; empty: oldest due first.
    documents: tuple[str, ...] = ()


def _payment_problems(new: NewPayment, today: dt.date) -> list[FieldProblem]:
    problems = []
    if not isinstance(new.amount, Decimal) or new.amount <= 0:
        problems.append(FieldProblem("amount", "not_positive", "A payment is a positive amount."))
    elif round_money(new.amount) != new.amount:
        problems.append(FieldProblem("amount", "not_cents", "Give the amount in whole cents."))
    elif new.amount > limits.MAX_MONEY_AMOUNT:
        problems.append(FieldProblem("amount", "too_large", f"At most {limits.MAX_MONEY_AMOUNT}."))
    if len(new.currency or "") != 3 or not new.currency.isupper():
        problems.append(FieldProblem("currency", "invalid", "Use an ISO 4217 code such as USD."))
    reference = (new.reference or "").strip()
    if not reference:
        problems.append(FieldProblem("reference", "required", "Give the bank's reference for the payment."))
    elif len(reference) > MAX_REFERENCE_LENGTH:
        problems.append(FieldProblem("reference", "max_length", f"At most {MAX_REFERENCE_LENGTH} characters."))
    if new.method not in PaymentMethod.values:
        problems.append(FieldProblem("method", "invalid", f"One of: {', '.join(PaymentMethod.values)}."))
    if new.received_on > today:
        problems.append(FieldProblem("received_on", "in_future", "A payment is recorded once it is received."))
    elif new.received_on < limits.EARLIEST_DATE:
        problems.append(FieldProblem("received_on", "too_early", f"Not before {limits.EARLIEST_DATE.isoformat()}."))
    if len(new.documents) > limits.MAX_PAYMENT_DOCUMENTS:
        problems.append(
            FieldProblem("documents", "too_many", f"At most {limits.MAX_PAYMENT_DOCUMENTS} documents a payment.")
        )
    return problems


def _chosen_documents(studio: Studio, currency: str, public_ids: Sequence[str]) -> list[Invoice]:
    found = {
        i.public_id: i
        for i in Invoice.objects.filter(studio=studio, public_id__in=list(public_ids)).exclude(
            status=InvoiceStatus.DRAFT
        )
    }
    problems = []
    for public_id in public_ids:
        invoice = found.get(public_id)
        if invoice is None:
            problems.append(FieldProblem("documents", "not_found", f"{public_id} is not a document of this studio."))
        elif invoice.currency != currency:
            problems.append(FieldProblem("documents", "currency", f"{invoice.number} is in {invoice.currency}."))
        elif invoice.document_type not in PAYABLE_TYPES or invoice.status != InvoiceStatus.FINALIZED:
            problems.append(
                FieldProblem("documents", "not_open", f"{invoice.number} is {invoice.get_status_display().lower()}.")
            )
    if len(set(public_ids)) != len(public_ids):
        problems.append(FieldProblem("documents", "duplicate", "A document is named twice."))
    _refuse(problems)
    return [found[p] for p in public_ids]


def payment_record(*, new: NewPayment, actor: Actor, now: dt.datetime | None = None) -> tuple[Payment, bool]:
    """Record a payment received and apply it: to the documents named, in that order, or else to
    the studio's open documents oldest due first; each may be paid in part; what is left is kept
    as the studio's credit. Returns (payment, created). The same reference again returns the
    first payment unchanged (created False) when it says the same, and is refused when it does
    not: a reference names one payment."""
    now = now or timezone.now()
    _refuse(_payment_problems(new, timezone.localtime(now).date()))
    reference = new.reference.strip()
    with transaction.atomic():
        studio = lock_studio(new.studio.pk)
        existing = Payment.objects.filter(studio=studio, reference=reference).first()
        if existing is not None:
            same = (existing.amount, existing.currency, existing.received_on) == (
                new.amount,
                new.currency,
                new.received_on,
            )
            if not same:
                raise StateConflictError(
                    f"Payment {reference} is already recorded for {existing.amount} {existing.currency} "
                    f"received {existing.received_on.isoformat()}.",
                    problems=[FieldProblem("reference", "duplicate", "This reference is already recorded.")],
                )
            return existing, False
        documents = (
            _chosen_documents(studio, new.currency, new.documents)
            if new.documents
            else open_documents(studio, new.currency)
        )
        entry = ledger.post_entry(
            memo=f"Payment received from {studio.legal_name}: {reference}",
            legs=[
                (ledger.account_named(AccountKind.CASH, new.currency), new.amount),
                (ledger.account_for_studio_credit(studio, new.currency), -new.amount),
            ],
            currency=new.currency,
            posted_at=now,
            posted_by=actor.name,
        )
        payment = Payment.objects.create(
            studio=studio,
            currency=new.currency,
            amount=new.amount,
            received_on=new.received_on,
            reference=reference,
            method=new.method,
            unapplied=new.amount,
            recorded_at=now,
            recorded_by=actor.name,
            journal_entry=entry,
        )
        audit_record(
            actor=actor,
            action=AuditAction.PAYMENT_RECORDED,
            subject_type=AuditSubject.PAYMENT,
            subject_id=payment.public_id,
            studio_id=studio.public_id,
            data={
                "amount": payment.amount,
                "currency": payment.currency,
                "received_on": payment.received_on,
                "reference": reference,
                "method": payment.method,
            },
        )
        _apply(payment, documents, applied_on=new.received_on, actor=actor, now=now)
    return payment, True


def payment_apply(
    *, payment: Payment, documents: Sequence[str] = (), actor: Actor, now: dt.datetime | None = None
) -> Payment:
    """Apply what is left of a payment (the studio's credit) to documents issued since: those
    named, or the open ones oldest due first. Interest stops on what it pays from today."""
    now = now or timezone.now()
    with transaction.atomic():
        studio = lock_studio(payment.studio_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.unapplied <= 0:
            raise StateConflictError(f"Payment {payment.reference} is fully applied.")
        chosen = (
            _chosen_documents(studio, payment.currency, documents)
            if documents
            else open_documents(studio, payment.currency)
        )
        _apply(payment, chosen, applied_on=timezone.localtime(now).date(), actor=actor, now=now)
    return payment


def _apply(
    payment: Payment, documents: Sequence[Invoice], *, applied_on: dt.date, actor: Actor, now: dt.datetime
) -> list[PaymentApplication]:
    """Spread the payment's unapplied amount over the documents (under the studio's lock)."""
    locked = {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=[d.pk for d in documents])}
    ordered = [locked[d.pk] for d in documents]
    allocation = receivable_rules.allocate(payment.unapplied, [(i, i.balance) for i in ordered])
    credit = ledger.account_for_studio_credit(payment.studio, payment.currency)
    receivable = ledger.account_for_studio(payment.studio, payment.currency)
    applications = []
    for invoice, amount in allocation.applied:
        entry = ledger.post_entry(
            memo=f"Payment {payment.reference} applied to {invoice.number}",
            legs=[(credit, amount), (receivable, -amount)],
            currency=payment.currency,
            posted_at=now,
            posted_by=actor.name,
            invoice=invoice,
        )
        applications.append(
            PaymentApplication(
                payment=payment,
                invoice=invoice,
                amount=amount,
                applied_on=applied_on,
                applied_at=now,
                journal_entry=entry,
            )
        )
        invoice.balance -= amount
        fields = ["balance"]
        if invoice.balance == 0:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = now
            fields += ["status", "paid_at"]
        invoice.save(update_fields=fields)
        if invoice.status == InvoiceStatus.PAID:
            audit_record(
                actor=actor,
                action=AuditAction.INVOICE_PAID,
                subject_type=AuditSubject.INVOICE,
                subject_id=invoice.public_id,
                studio_id=payment.studio.public_id,
                data={"number": invoice.number, "total": invoice.total, "payment": payment.public_id},
            )
            webhook_events.invoice_paid(invoice)
    PaymentApplication.objects.bulk_create(applications)
    payment.unapplied = allocation.left
    payment.save(update_fields=["unapplied"])
    if applications:
        audit_record(
            actor=actor,
            action=AuditAction.PAYMENT_APPLIED,
            subject_type=AuditSubject.PAYMENT,
            subject_id=payment.public_id,
            studio_id=payment.studio.public_id,
            data={
                "applied": [{"document": a.invoice.number, "amount": a.amount} for a in applications],
                "applied_on": applied_on,
                "credit_left": payment.unapplied,
                "currency": payment.currency,
            },
        )
    return applications


def invoice_mark_paid(*, invoice: Invoice, actor: Actor, now: dt.datetime | None = None) -> Invoice:
    """Staff's one-click "paid in full": a payment of the document's open balance, received
    today, referenced by the document's number (so clicking twice records it once)."""
    now = now or timezone.now()
    invoice = Invoice.objects.get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.FINALIZED or invoice.document_type not in PAYABLE_TYPES:
        raise StateConflictError(f"{invoice} is {invoice.status}; only a finalized, unpaid document is paid.")
    payment_record(
        new=NewPayment(
            studio=invoice.studio,
            amount=invoice.balance,
            currency=invoice.currency,
            received_on=timezone.localtime(now).date(),
            reference=f"paid-in-full:{invoice.number}",
            method=PaymentMethod.OTHER,
            documents=(invoice.public_id,),
        ),
        actor=actor,
        now=now,
    )
    invoice.refresh_from_db()
    return invoice


# --- Payouts ----------------------------------------------------------------------------------
def payout_record(
    *, performer: Performer, amount: Decimal, currency: str, actor: Actor, now: dt.datetime | None = None
) -> JournalEntry:
    """Money paid out to a performer outside a run: Dr their payable, Cr cash."""
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
        Payout.objects.create(
            run=None,
            payee_kind=PayeeKind.PERFORMER,
            performer=performer,
            amount=amount,
            currency=currency,
            journal_entry=entry,
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


def _owed(kind: AccountKind, currency: str) -> list[tuple[LedgerAccount, Decimal]]:
    """Accounts of a kind with money owed on them (a credit balance), and how much."""
    rows = (
        LedgerAccount.objects.filter(kind=kind, currency=currency)
        .annotate(balance=Sum("postings__amount"))
        .filter(balance__lt=0)
        .select_related("performer")
        .order_by("code")
    )
    return [(account, round_money(-account.balance)) for account in rows]


def payout_run_create(
    *, currency: str, paid_on: dt.date, key: str, actor: Actor, now: dt.datetime | None = None
) -> tuple[PayoutRun, bool]:
    """Settle every performer's and fund's payable in a currency: one payout (and one ledger
    entry, Dr payable, Cr cash) for each with money owed. The key (e.g. "2026-12 USD") makes a
    retried run return the first (created False). Money that arrives on a payable while the run
    reads is simply paid by the next run."""
    now = now or timezone.now()
    key = (key or "").strip()
    problems = []
    if not key or len(key) > 100:
        problems.append(FieldProblem("key", "invalid", "Give a key of 1 to 100 characters, e.g. 2026-12 USD."))
    if len(currency or "") != 3 or not currency.isupper():
        problems.append(FieldProblem("currency", "invalid", "Use an ISO 4217 code such as USD."))
    _refuse(problems)
    with transaction.atomic():
        run, created = PayoutRun.objects.get_or_create(
            key=key,
            defaults={
                "currency": currency,
                "paid_on": paid_on,
                "total": ZERO,
                "created_at": now,
                "created_by": actor.name,
            },
        )
        if not created:
            return run, False
        # The unique key holds a concurrent run with the same key at the insert above.
        cash = ledger.account_named(AccountKind.CASH, currency)
        payouts = []
        for kind, payee in ((AccountKind.PAYABLE, PayeeKind.PERFORMER), (AccountKind.FUND, PayeeKind.FUND)):
            for account, amount in _owed(kind, currency):
                name = account.performer.public_id if account.performer_id else account.code.split(":")[1]
                entry = ledger.post_entry(
                    memo=f"Payout run {run.public_id} to {name}",
                    legs=[(account, amount), (cash, -amount)],
                    currency=currency,
                    posted_at=now,
                    posted_by=actor.name,
                )
                payouts.append(
                    Payout(
                        run=run,
                        payee_kind=payee,
                        performer=account.performer if payee == PayeeKind.PERFORMER else None,
                        fund="" if payee == PayeeKind.PERFORMER else account.code.split(":")[1],
                        amount=amount,
                        currency=currency,
                        journal_entry=entry,
                    )
                )
        Payout.objects.bulk_create(payouts)
        run.total = sum((p.amount for p in payouts), ZERO)
        run.save(update_fields=["total"])
        audit_record(
            actor=actor,
            action=AuditAction.PAYOUT_RUN_COMPLETED,
            subject_type=AuditSubject.PAYOUT_RUN,
            subject_id=run.public_id,
            data={
                "key": key,
                "currency": currency,
                "paid_on": paid_on,
                "payouts": len(payouts),
                "total": run.total,
            },
        )
    return run, True


REMITTANCE_COLUMNS = ["run", "paid_on", "payee_kind", "payee", "name", "amount", "currency", "reference"]


def remittance_csv(run: PayoutRun) -> str:
    """The remittance file a bank pays the run from: one row per payee, amounts as decimal
    strings, the reference each payee sees on their statement."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REMITTANCE_COLUMNS)
    for payout in run.payouts.select_related("performer").order_by("pk"):
        if payout.performer_id:
            payee, name = payout.performer.public_id, payout.performer.legal_name
        else:
            payee, name = payout.fund, payout.fund.replace("_", " ").title()
        writer.writerow(
            [
                run.public_id,
                run.paid_on.isoformat(),
                payout.payee_kind,
                payee,
                as_text(name),
                f"{payout.amount:.2f}",
                payout.currency,
                f"{run.public_id}/{payee}",
            ]
        )
    return out.getvalue()
