"""Corrections of issued documents: voiding a finalized, unpaid document, and debit notes for
what an issued invoice under-charged. Each is one transaction holding the studio's lock, as a
run billing the studio does, so the two never interleave."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing import ledger, rating
from registry.billing.billable import mark_released
from registry.billing.documents import (
    ZERO,
    DocumentLines,
    DocumentTotals,
    add_to_totals,
    charged_so_far,
    finalize_draft,
    invoice_line,
    lock_document,
    set_totals,
)
from registry.billing.models import STANDING, Invoice, InvoiceLine, Posting
from registry.billing.rating_inputs import AgreementTerms, TermsByAgreement, Use, facts_of, provenance, uses
from registry.billing.selectors import ISSUED
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError
from registry.core.partitions import first_of_month
from registry.core.vocabulary.billing import DocumentType, InvoiceStatus
from registry.core.vocabulary.consent import CompensationUnit
from registry.usage.models import UsageLine

MAX_REASON_LENGTH = 500


# What voiding each kind of document is recorded as.
_VOIDED = {
    DocumentType.INVOICE: AuditAction.INVOICE_VOIDED,
    DocumentType.CREDIT_NOTE: AuditAction.CREDIT_NOTE_VOIDED,
    DocumentType.DEBIT_NOTE: AuditAction.DEBIT_NOTE_VOIDED,
}


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError(
            "Give a reason.", problems=[FieldProblem("reason", "required", "A reason is required.")]
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInputError(
            "The reason is too long.",
            problems=[FieldProblem("reason", "max_length", f"At most {MAX_REASON_LENGTH} characters.")],
        )
    return reason


# --- Voiding ----------------------------------------------------------------------------------
def invoice_void(*, invoice: Invoice, actor: Actor, reason: str, now: dt.datetime | None = None) -> Invoice:
    """Void a finalized, unpaid document (invoice, credit or debit note).

    It keeps its number (numbering stays gap-free; the void is a status, not a deletion), a
    journal entry reverses its postings, and its lines are released: the next billing run for
    its period (or a later one) bills those usage lines again, or credits them again for a
    credit note. A paid invoice is corrected with a credit note instead, and a document that
    a standing credit or debit note corrects is voided only after that note."""
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        invoice = lock_document(invoice)
        if invoice.status == InvoiceStatus.PAID:
            raise StateConflictError(
                f"{invoice} is paid: a paid invoice is not voided; correct it with a credit note.",
                status=invoice.status,
            )
        if invoice.status == InvoiceStatus.VOID:
            raise StateConflictError(f"{invoice} is already void.", status=invoice.status)
        if invoice.status != InvoiceStatus.FINALIZED:
            raise StateConflictError(
                f"{invoice} is a draft: only a finalized document is voided.", status=invoice.status
            )
        if invoice.applications.exists():
            raise StateConflictError(
                f"{invoice} has payments applied to it: correct it with a credit note.", status=invoice.status
            )
        blocking = _standing_corrections(invoice)
        if blocking:
            raise StateConflictError(
                f"{invoice} is corrected by {', '.join(blocking)}: void that first.", corrected_by=blocking
            )
        released = invoice.lines.update(released=True)
        mark_released(invoice)
        invoice.status = InvoiceStatus.VOID
        invoice.voided_at = now
        invoice.void_reason = reason
        invoice.balance = ZERO  # a void document is owed by no one
        invoice.save(update_fields=["status", "voided_at", "void_reason", "balance"])
        _post_reversal(invoice, actor, now)
        audit_record(
            actor=actor,
            action=_VOIDED[invoice.document_type],
            subject_type=AuditSubject.INVOICE,
            subject_id=invoice.public_id,
            studio_id=invoice.studio.public_id,
            data={
                "number": invoice.number,
                "reason": reason,
                "total": invoice.total,
                "currency": invoice.currency,
                "lines_released": released,
            },
        )
    return invoice


def _standing_corrections(invoice: Invoice) -> list[str]:
    """Numbers of the standing documents that correct this one's charges: debit notes adding to
    its lines, and credit notes crediting its usage lines (which credited this document's amount)."""
    if invoice.document_type == DocumentType.CREDIT_NOTE:
        return []
    lines = invoice.lines.filter(is_credit=False, released=False)
    debits = InvoiceLine.objects.filter(corrects__in=lines, released=False)
    credits = InvoiceLine.objects.filter(
        is_credit=True, usage_line__in=lines.values("usage_line_id"), **STANDING
    ).exclude(invoice=invoice)
    found = set(debits.values_list("invoice__number", flat=True))
    found |= set(credits.values_list("invoice__number", flat=True))
    return sorted(found)


def _post_reversal(invoice: Invoice, actor: Actor, now: dt.datetime) -> None:
    """Post the opposite of every posting on the document (for an unpaid one: its finalization)."""
    balances: dict[int, Decimal] = defaultdict(lambda: ZERO)
    accounts = {}
    for posting in Posting.objects.filter(entry__invoice=invoice).select_related("account"):
        balances[posting.account_id] += posting.amount
        accounts[posting.account_id] = posting.account
    ledger.post_entry(
        memo=f"Void of {invoice.get_document_type_display().lower()} {invoice.number}",
        legs=[(accounts[pk], -amount) for pk, amount in balances.items()],
        currency=invoice.currency,
        posted_at=now,
        posted_by=actor.name,
        invoice=invoice,
    )


# --- Debit notes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Correction:
    """An upward correction of one charged invoice line: the facts it should have been rated
    with (None keeps what the studio reported)."""

    line: InvoiceLine
    estimated_days: Decimal | None = None
    units: Decimal | None = None
    negotiated_amount: Decimal | None = None


CORRECTED_FACTS = ("estimated_days", "units", "negotiated_amount")
# The pricing fact each corrected usage-line field is (the line's negotiated amount is the amount it states).
FACT_FIELD = {"negotiated_amount": "stated_amount"}


@dataclass(frozen=True)
class DebitItem:
    """One corrected line, rated again: the charge it adds to, the usage line and terms it was
    rated with, the difference to bill, and the corrected facts as recorded on the note."""

    charge: InvoiceLine
    use: Use
    terms: AgreementTerms
    difference: rating.Rated
    corrected: dict[str, str]
    provenance: dict = dataclasses.field(default_factory=dict)


def debit_note_issue(
    *,
    original: Invoice,
    corrections: Sequence[Correction],
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Invoice:
    """Bill what an issued invoice under-charged: each corrected line is rated again, with the
    corrected facts and the rates and terms in force for its date, and the debit note charges
    the difference from what was charged on it so far (the charge and earlier debit notes).

    Issuing the same correction twice therefore bills nothing the second time (refused). The
    note is linked to the original, its lines to the charged lines they add to, and it belongs
    to the original's period; it is finalized with the next gap-free number and posted like an
    invoice. Late-reported usage is not a debit note: the next run bills it as an adjustment."""
    reason = _reason(reason)
    if not corrections:
        raise InvalidInputError(
            "Name at least one line to correct.",
            problems=[FieldProblem("corrections", "required", "At least one correction is required.")],
        )
    now = now or timezone.now()
    with transaction.atomic():
        original = lock_document(original)
        if original.document_type != DocumentType.INVOICE or original.status not in ISSUED:
            raise StateConflictError(
                f"{original} is a {original.status} {original.get_document_type_display().lower()}: "
                "a debit note corrects a finalized or paid invoice.",
                status=original.status,
            )
        items = [_debit_item(original, i, c) for i, c in enumerate(corrections)]
        seen = [item.charge.pk for item in items]
        if len(set(seen)) != len(seen):
            raise InvalidInputError(
                "A line is corrected twice.",
                problems=[FieldProblem("corrections", "duplicate", "Correct each line once.")],
            )
        note = Invoice.objects.create(
            studio=original.studio,
            period=original.period,
            original=original,
            currency=original.currency,
            created_at=now,
            document_type=DocumentType.DEBIT_NOTE,
            reason=reason,
        )
        totals = DocumentTotals()
        rows = []
        for item in items:
            snapshot = {**(item.provenance or item.terms.snapshot), "corrected": item.corrected}
            rows.append(
                invoice_line(
                    note,
                    item.use,
                    item.difference,
                    item.terms,
                    note.period,
                    credit=False,
                    corrects=item.charge,
                    terms_used=snapshot,
                )
            )
            add_to_totals(totals, item.use, item.difference, item.terms.terms)
        DocumentLines(note).write(rows)
        set_totals(note, totals)
        finalize_draft(
            invoice=note,
            totals=totals,
            actor=actor,
            now=now,
            audit_data={"original": original.number, "reason": reason},
        )
    return note


def _debit_item(original: Invoice, index: int, correction: Correction) -> DebitItem:
    field_name = f"corrections[{index}]"
    charge = (
        InvoiceLine.objects.filter(
            pk=correction.line.pk, invoice=original, is_credit=False, corrects__isnull=True, released=False
        )
        .select_related("usage_line")
        .first()
    )
    if charge is None:
        raise InvalidInputError(
            f"That line is not a charge on {original.number}.",
            problems=[FieldProblem(f"{field_name}.line", "not_on_original", f"Not a charge on {original.number}.")],
        )
    line = charge.usage_line
    credit = (
        InvoiceLine.objects.filter(usage_line=line, month=first_of_month(line.use_date), is_credit=True, **STANDING)
        .select_related("invoice")
        .first()
    )
    if credit is not None:
        raise StateConflictError(
            f"Usage line {line.line_ref} was retracted and credited on {credit.invoice.number}: nothing to debit."
        )
    corrected = {}
    for name in CORRECTED_FACTS:
        value = getattr(correction, name)
        if value is None:
            continue
        if (
            not isinstance(value, Decimal)
            or not value.is_finite()
            or value <= 0
            or value != value.quantize(Decimal("0.01"))
        ):
            raise InvalidInputError(
                f"{name} must be a positive amount with at most two decimals.",
                problems=[FieldProblem(f"{field_name}.{name}", "invalid", "A positive decimal, two places at most.")],
            )
        corrected[name] = value
    if not corrected:
        raise InvalidInputError(
            "Say what is corrected.",
            problems=[FieldProblem(field_name, "required", f"Correct one of {', '.join(CORRECTED_FACTS)}.")],
        )
    [use] = uses(UsageLine.objects.filter(pk=line.pk))
    # Re-rated as the charge was: a grant's flat fee stays on the line that carried it.
    flat_elsewhere = use.compensation_unit == CompensationUnit.FLAT and not charge.flat_fee
    facts = dataclasses.replace(
        facts_of(use, flat_fee_charged=flat_elsewhere),
        **{FACT_FIELD.get(name, name): value for name, value in corrected.items()},
    )
    try:
        in_force = TermsByAgreement().in_force(use)
        terms = in_force.pricing
        rerated = rating.rate_line(facts, terms.terms, terms.scale, seed=use.pk)
    except rating.RatingError as exc:
        raise InvalidInputError(str(exc), problems=[FieldProblem(field_name, "not_rated", str(exc))]) from exc
    so_far = charged_so_far(
        charge, list(charge.debits.filter(released=False).select_related("invoice")), explanation="charged on"
    )
    funds = {
        f: rerated.fund_shares.get(f, ZERO) - so_far.fund_shares.get(f, ZERO)
        for f in sorted(set(rerated.fund_shares) | set(so_far.fund_shares))
    }
    difference = rating.Rated(
        performer_pay=rerated.performer_pay - so_far.performer_pay,
        ph_contribution=rerated.ph_contribution - so_far.ph_contribution,
        fund_shares={f: v for f, v in funds.items() if v},
        rate_card_id=rerated.rate_card_id,
        explanation=f"{rerated.explanation}; less {so_far.total} {so_far.explanation} = "
        f"{rerated.total - so_far.total}",
    )
    fund_change = sum(difference.fund_shares.values(), ZERO)
    if difference.total <= 0 or min(difference.performer_pay, difference.ph_contribution, fund_change) < 0:
        raise InvalidInputError(
            f"Line {line.line_ref} re-rated comes to {rerated.total}, not more than the {so_far.total} "
            "already charged: a debit note only adds.",
            problems=[
                FieldProblem(field_name, "not_an_increase", f"Re-rated at {rerated.total}; charged {so_far.total}.")
            ],
        )
    return DebitItem(
        charge, use, terms, difference, {k: str(v) for k, v in corrected.items()}, provenance(in_force, rerated, use)
    )
