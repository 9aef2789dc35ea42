"""Billing documents: a run's invoice and credit note for a studio, and finalization (the
gap-free number, the freeze, the ledger posting, the audit row and the webhook event).

Finalized documents are never edited; they are voided or corrected (`corrections.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing import ledger, rating
from registry.billing import rules as receivable_rules
from registry.billing.billable import billable_lines, uncredited_retractions, without_standing_charge
from registry.billing.models import (
    STANDING,
    AppliedTerms,
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
)
from registry.billing.rating_inputs import (
    CHUNK,
    AgreementTerms,
    FlatFeesCarried,
    Provenances,
    TermsByAgreement,
    Use,
    facts_of,
    uses,
)
from registry.core.actors import Actor
from registry.core.bulk import EncodedJson, copy_insert, copy_insert_with_ids
from registry.core.errors import StateConflictError
from registry.core.partitions import first_of_month
from registry.core.vocabulary.billing import AccountKind, DocumentType, InvoiceStatus
from registry.core.vocabulary.consent import CompensationUnit
from registry.core.vocabulary.reference import Confidence
from registry.core.vocabulary.usage import UsageKind
from registry.parties.locks import lock_studio
from registry.parties.models import Performer, Studio
from registry.terms.models import PAYMENT_TERMS_DEFAULT_NOTE, Agreement, default_reminder_days
from registry.usage.models import UsageLine
from registry.webhooks import events as webhook_events

ZERO = Decimal("0.00")
MAX_ERRORS_PER_STUDIO = 50
# The registry's default payment terms (DOMAIN.md 6), for a document that names no agreement.
DEFAULT_TERMS_DAYS = 30
DEFAULT_MONTHLY_RATE = Decimal("0.0100")
DEFAULT_REMINDER_DAYS = tuple(default_reminder_days())
KIND_LABELS = dict(UsageKind.choices)
NUMBER_PREFIXES = {
    DocumentType.INVOICE: "INV",
    DocumentType.CREDIT_NOTE: "CRN",
    DocumentType.DEBIT_NOTE: "DBN",
    DocumentType.RESIDUALS: "RSI",
}


@dataclass
class DocumentTotals:
    """A document's sums, added up line by line as its lines are written.

    What goes to the funds (P&H contributions, synthetic performers' royalties) is pooled by
    fund split and split once per document (`by_fund`), not line by line: split line by line,
    every odd cent of a 50/50 split went to the same fund, a steady bias. The odd cents of the
    document's split go in an order drawn from the document's id (docs/pricing.md).

    A pool is keyed by its fund split and the seed its odd cents are ordered by: "" for the
    document's own id; a credit note's lines name the documents whose fund money they give back
    (FUNDS_CREDITED), so what it credits is split with the seeds it was charged with, and a
    charge credited in full gives each fund back exactly its cents (with its own seed, the odd
    cent could come back from the other fund: one fund short a cent, the other a cent over)."""

    performer_pay: Decimal = ZERO
    ph: Decimal = ZERO
    funds: Decimal = ZERO
    interest: Decimal = ZERO
    by_performer: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    fund_pools: dict[tuple, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    lines: int = 0

    def by_fund(self, seed: str) -> dict[str, Decimal]:
        """Each fund's amount: every pool split once by its shares, odd cents ordered by `seed`."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for (split_key, pool_seed), amount in sorted(self.fund_pools.items()):
            if not amount:
                continue
            for fund, share in rating.fund_split(amount, dict(split_key), seed=pool_seed or seed).items():
                out[fund] += share
        return dict(out)


@dataclass(frozen=True)
class RunDocument:
    """What billing a studio in one currency made of one kind of document: the draft (None when
    there was nothing to put on it) and its totals, the lines that could not be rated (at most
    MAX_ERRORS_PER_STUDIO, then a count), and the oldest use date it left unbilled among the
    lines it was given to read (None: it billed them all). The caller finalizes the draft
    (`finalize_draft`) once all the studio's drafts are made."""

    document: Invoice | None
    totals: DocumentTotals | None = None
    errors: tuple[dict, ...] = ()
    oldest_unbilled: dt.date | None = None
    terms_agreement: Agreement | None = None  # whose payment terms it carries (terms_agreement_among)

    @property
    def lines(self) -> int:
        """The usage lines on the document."""
        return self.totals.lines if self.totals is not None else 0


def lock_document(invoice: Invoice) -> Invoice:
    """The studio's row first, as bill_studio takes it (so a run billing the studio and a
    correction never interleave), then the document's."""
    lock_studio(invoice.studio_id)
    return Invoice.objects.select_for_update(of=("self",)).select_related("studio").get(pk=invoice.pk)


def _period_document(studio: Studio, period: dt.date, document_type: str, currency: str) -> QuerySet[Invoice]:
    """The run's document of this kind for the period, unless voided (one_document_per_studio_period_kind)."""
    return Invoice.objects.filter(
        studio=studio, period=period, document_type=document_type, currency=currency
    ).exclude(status=InvoiceStatus.VOID)


# --- A run's documents (inside bill_studio's transaction, under the studio's lock) -------------
def run_invoice_draft(
    *, run: BillingRun, studio: Studio, currency: str, read_from: dt.date | None, now: dt.datetime
) -> RunDocument:
    """The period's invoice for the studio's unbilled lines in this currency used from
    `read_from` (None: ever; see `billable.reading`), as a draft with its lines and totals; none
    if the period already has one (later lines become next period's adjustments) or no line
    rates."""
    if _period_document(studio, run.period, DocumentType.INVOICE, currency).exists():
        return RunDocument(None, oldest_unbilled=read_from or dt.date.min)  # left unread
    # Paged by id before each page is probed for standing charges (see `uses`): the unbilled lines.
    lines = billable_lines(run.period, studio_id=studio.pk, read_from=read_from).filter(agreement__currency=currency)
    # Made at the first line rated, not before: an invoice made and then deleted for want of
    # lines cost a run, for every studio with only credits to issue, a read of every invoice
    # line of every month (deleting it makes Django look for lines naming it as the interest's
    # charged document, a column with no index).
    invoice: Invoice | None = None
    agreements = TermsByAgreement()
    ratings = rating.GroupRating()
    provenances = Provenances()
    totals = DocumentTotals()
    errors = []
    unrated: list[tuple[int, str]] = []
    oldest_unrated: dt.date | None = None
    now_rated: list[int] = []
    flat_fees = FlatFeesCarried()
    written: DocumentLines | None = None
    batch: list[dict] = []
    rated_under: set[int] = set()  # the agreements of the lines written
    for use in uses(lines, refine=without_standing_charge, on_chunk=flat_fees.learn_from):
        charged = use.compensation_unit == CompensationUnit.FLAT and flat_fees.carried(use.grant_id)
        try:
            in_force = agreements.in_force(use)
            terms = in_force.pricing
            rated = ratings.rate(
                facts_of(use, flat_fee_charged=charged),
                terms.terms,
                terms.scale,
                terms.price_changes,
                terms_key=terms.agreement.pk,
                seed=use.pk,
            )
        except rating.RatingError as exc:
            unrated.append((use.pk, str(exc)[:500]))
            oldest_unrated = use.use_date if oldest_unrated is None else min(oldest_unrated, use.use_date)
            if len(errors) < MAX_ERRORS_PER_STUDIO:  # kept on the run: bounded, whatever the lines
                errors.append({"studio": studio.public_id, "line": use.line_ref, "error": str(exc)})
            continue
        if rated.flat_fee and use.grant_id is not None:
            flat_fees.charge(use.grant_id)
        if use.unrateable:
            now_rated.append(use.pk)
        if invoice is None:
            invoice = _run_document(run, studio, currency, DocumentType.INVOICE, now)
            written = DocumentLines(invoice)
        batch.append(
            invoice_line(
                invoice, use, rated, terms, run.period, credit=False, terms_used=provenances.of(in_force, rated, use)
            )
        )
        add_to_totals(totals, use, rated, terms.terms)
        rated_under.add(use.agreement_id)
        if len(batch) >= CHUNK:
            written.write(batch)
            batch = []
    if written is not None:
        written.write(batch)
    if len(unrated) > len(errors):
        errors.append({"studio": studio.public_id, "error": f"{len(unrated) - len(errors)} more lines not rated"})
    mark_unrateable(studio, unrated, now_rated, now)
    if invoice is None:
        # Nothing to bill, or nothing could be rated: no empty invoice (the errors say why).
        return RunDocument(None, errors=tuple(errors), oldest_unbilled=oldest_unrated)
    set_totals(invoice, totals)
    terms_agreement = terms_agreement_among(agreements[pk].agreement for pk in rated_under)
    return RunDocument(invoice, totals, tuple(errors), oldest_unrated, terms_agreement)


def _run_document(run: BillingRun, studio: Studio, currency: str, kind: str, now: dt.datetime, **more) -> Invoice:
    """A draft of the run's document of this kind for the studio and currency."""
    return Invoice.objects.create(
        studio=studio, period=run.period, run=run, currency=currency, created_at=now, document_type=kind, **more
    )


def mark_unrateable(studio: Studio, unrated: list[tuple[int, str]], now_rated: list[int], now: dt.datetime) -> None:
    """Lines the run could not price are marked unrateable with the reason (the studio is told by
    a webhook, staff see them on the console); lines a run prices after the data was fixed lose
    the mark. Newly marked lines only are announced, so a studio is told once per gap."""
    if now_rated:
        UsageLine.objects.filter(pk__in=now_rated).update(unrateable_reason="", unrateable_since=None)
    if not unrated:
        return
    reasons = dict(unrated)
    fresh = list(
        UsageLine.objects.filter(pk__in=list(reasons), unrateable_since__isnull=True).values_list("pk", "line_ref")
    )
    by_reason: dict[str, list[int]] = defaultdict(list)
    for pk, reason in unrated:
        by_reason[reason].append(pk)
    for reason, pks in by_reason.items():  # a gap is usually one reason for many lines
        UsageLine.objects.filter(pk__in=pks).exclude(unrateable_reason=reason).update(unrateable_reason=reason)
    UsageLine.objects.filter(pk__in=[pk for pk, _ in fresh]).update(unrateable_since=now)
    if fresh:
        webhook_events.usage_lines_unrateable(
            studio, [{"line_id": ref, "reason": reasons[pk]} for pk, ref in fresh[:MAX_ERRORS_PER_STUDIO]], len(fresh)
        )


def run_credit_note_draft(
    *,
    run: BillingRun,
    studio: Studio,
    currency: str,
    retractions_after: int,
    retractions_through: int,
    now: dt.datetime,
) -> RunDocument:
    """A credit note, as a draft with its lines and totals, for billed lines the studio
    retracted after the retraction `retractions_after` up to `retractions_through` (see
    `billable.reading`), crediting exactly what was charged on each; none if there are none or
    the period already has one (later retractions go on next period's)."""
    owed = uncredited_retractions(studio.pk, after=retractions_after, through=retractions_through)
    retracted = list(uses(owed.filter(agreement__currency=currency)))
    if not retracted:
        return RunDocument(None)
    if _period_document(studio, run.period, DocumentType.CREDIT_NOTE, currency).exists():
        return RunDocument(None)
    charges = {
        il.usage_line_id: il
        for il in InvoiceLine.objects.filter(
            usage_line__in=[u.pk for u in retracted], is_credit=False, **STANDING
        ).select_related("invoice", "applied_terms")
    }
    debits: dict[int, list[InvoiceLine]] = defaultdict(list)
    for il in InvoiceLine.objects.filter(corrects__in=list(charges.values()), released=False).select_related(
        "invoice"
    ):
        debits[il.corrects_id].append(il)
    credit = _run_document(
        run,
        studio,
        currency,
        DocumentType.CREDIT_NOTE,
        now,
        original=max((c.invoice for c in charges.values()), key=lambda i: i.pk),
    )
    agreements = TermsByAgreement()
    totals = DocumentTotals()
    rows = []
    for use in retracted:
        charge = charges[use.pk]
        terms = agreements[use.agreement_id]
        # Credit exactly what was charged (the charge and any debit notes on it), whatever the
        # rates say today, under the terms the charge was priced by.
        rated = charged_so_far(charge, debits[charge.pk], explanation="credits")
        # The funds' money is given back split as each document charged it (DocumentTotals).
        credited = funds_credited_of([charge, *debits[charge.pk]])
        terms_used = {**charge.terms_used, FUNDS_CREDITED: {k: str(v) for k, v in credited.items()}}
        rows.append(invoice_line(credit, use, rated, terms, run.period, credit=True, terms_used=terms_used))
        charged_terms = rating.Terms(
            currency=currency,
            fund_split={k: Decimal(str(v)) for k, v in charge.terms_used["fund_split"].items()},
        )
        add_to_totals(totals, use, rated, charged_terms, sign=Decimal(-1), funds_credited=credited)
    DocumentLines(credit).write(rows)
    set_totals(credit, totals)
    credited_under = {use.agreement_id for use in retracted}
    return RunDocument(
        credit, totals, terms_agreement=terms_agreement_among(agreements[pk].agreement for pk in credited_under)
    )


# --- Lines and totals -------------------------------------------------------------------------
class DocumentLines:
    """Writes one document's lines, given as `invoice_line` rows (each with its "terms_used"),
    with the terms they share stored once for the document (AppliedTerms): the terms of a
    batch not seen yet are copied in first (`copy_insert_with_ids`), then the lines naming
    them. Terms are told apart by their JSON text (EncodedJson's, or encoded here). Bounded: past
    `limit` terms it forgets them, and a terms forgotten is stored again, never wrongly shared."""

    def __init__(self, invoice: Invoice, limit: int = 4096) -> None:
        self._invoice = invoice
        self._limit = limit
        self._known: dict[str, tuple[int, bool]] = {}  # JSON text -> (AppliedTerms id, flat fee)

    def write(self, rows: list[dict]) -> None:
        if len(self._known) > self._limit:
            self._known.clear()
        encoded = [_encoded(row.pop("terms_used")) for row in rows]
        self._store({e.text: e for e in encoded if e.text not in self._known})
        for row, terms in zip(rows, encoded, strict=True):
            row["applied_terms_id"], row["flat_fee"] = self._known[terms.text]
        copy_insert(InvoiceLine, rows)

    def id_of(self, terms: dict) -> int:
        """The stored terms' id, for a line made as a model instance (residuals, interest)."""
        e = _encoded(terms)
        if e.text not in self._known:
            self._store({e.text: e})
        return self._known[e.text][0]

    def _store(self, new: dict[str, EncodedJson]) -> None:
        if not new:
            return
        ids = copy_insert_with_ids(AppliedTerms, [{"invoice_id": self._invoice.pk, "terms": e} for e in new.values()])
        for (text, e), pk in zip(new.items(), ids, strict=True):
            self._known[text] = (pk, e.value.get("flat_fee") is True)


def _encoded(terms: dict | EncodedJson) -> EncodedJson:
    return terms if isinstance(terms, EncodedJson) else EncodedJson.of(terms)


def invoice_line(
    invoice: Invoice,
    use: Use,
    rated: rating.Rated,
    terms: AgreementTerms,
    period: dt.date,
    *,
    credit: bool,
    corrects: InvoiceLine | None = None,
    terms_used: dict | EncodedJson | None = None,
) -> dict:
    """One invoice line as plain values (inserted with COPY on PostgreSQL)."""
    label = "Credit: " if credit else "Debit: " if corrects else ""
    fund_total = sum(rated.fund_shares.values(), ZERO)
    if credit:
        rated = rating.Rated(
            performer_pay=-rated.performer_pay,
            ph_contribution=-rated.ph_contribution,
            fund_shares={k: -v for k, v in rated.fund_shares.items()},
            rate_card_id=rated.rate_card_id,
            explanation=rated.explanation,
        )
        fund_total = -fund_total
    who = use.performer_name if use.performer_id else (use.role_category or "")
    used = terms_used or terms.snapshot
    note = (used.value if isinstance(used, EncodedJson) else used).get("successor_note")
    explanation = rated.explanation
    if note:
        explanation = f"{note}: {explanation}"
    return {
        "invoice_id": invoice.pk,
        "usage_line_id": use.pk,
        "usage_line_use_date": use.use_date,
        "month": first_of_month(use.use_date),
        "is_credit": credit,
        "is_adjustment": use.use_date < period,
        "released": False,
        "corrects_id": corrects.pk if corrects else None,
        "corrects_month": corrects.month if corrects else None,
        "performer_id": use.performer_id,
        "grant_id": use.grant_id,
        "token_jti": use.grant_public_id,
        "rate_card_id": rated.rate_card_id,
        "agreement_id": use.agreement_id,
        "terms_used": used,
        "description": (
            f"{label}{KIND_LABELS.get(use.kind, use.kind)}, {who}, {use.project_title} "
            f"({use.production_number}), {use.use_date.isoformat()}"
        )[:500],
        "explanation": explanation[:2000],
        "source_ref": "",
        "charged_document_id": None,
        "interest": ZERO,
        "performer_pay": rated.performer_pay,
        "ph_contribution": rated.ph_contribution,
        "fund_shares": {k: str(v) for k, v in rated.fund_shares.items()},
        "fund_total": fund_total,
        "total": rated.performer_pay + rated.ph_contribution + fund_total,
    }


# A credit line's terms_used key: {document public id: fund money (P&H and fund shares) of the
# credited charge and debit notes on that document}; see DocumentTotals.
FUNDS_CREDITED = "funds_credited"


def add_to_totals(
    totals: DocumentTotals,
    use: Use,
    rated: rating.Rated,
    terms: rating.Terms,
    sign: Decimal = Decimal(1),
    funds_credited: dict[str, Decimal] | None = None,
) -> None:
    _add(totals, use.performer_id, rated, terms, sign, funds_credited)


def funds_credited_of(parts: list[InvoiceLine]) -> dict[str, Decimal]:
    """The fund money of a charge and its debit notes, by the document that charged it."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for part in parts:
        out[part.invoice.public_id] += part.ph_contribution + sum(
            (Decimal(v) for v in part.fund_shares.values()), ZERO
        )
    return {k: v for k, v in out.items() if v}


def _add(
    totals: DocumentTotals,
    performer_id: int | None,
    rated: rating.Rated,
    terms: rating.Terms,
    sign: Decimal,
    funds_credited: dict[str, Decimal] | None = None,
) -> None:
    totals.lines += 1
    totals.performer_pay += sign * rated.performer_pay
    totals.ph += sign * rated.ph_contribution
    totals.funds += sign * sum(rated.fund_shares.values(), ZERO)
    if rated.performer_pay and performer_id:
        totals.by_performer[performer_id] += sign * rated.performer_pay
    to_funds = rated.ph_contribution + sum(rated.fund_shares.values(), ZERO)
    if to_funds and terms.fund_split:
        split_key = tuple(sorted((fund, str(share)) for fund, share in terms.fund_split.items()))
        if funds_credited and sum(funds_credited.values(), ZERO) == to_funds:
            for charged_on, amount in funds_credited.items():
                totals.fund_pools[(split_key, charged_on)] += sign * amount
        else:
            totals.fund_pools[(split_key, "")] += sign * to_funds
    elif to_funds:
        # A line that names its funds itself (a residuals invoice's fund share): each fund, whole.
        for fund, amount in rated.fund_shares.items():
            totals.fund_pools[(_whole(fund), "")] += sign * amount


def _whole(fund: str) -> tuple:
    """The pool of money that goes to one fund alone."""
    return ((fund, "1"),)


def set_totals(invoice: Invoice, totals: DocumentTotals) -> None:
    invoice.performer_pay = totals.performer_pay
    invoice.ph_contributions = totals.ph
    invoice.fund_royalties = totals.funds
    invoice.interest = totals.interest
    invoice.total = totals.performer_pay + totals.ph + totals.funds + totals.interest
    invoice.save(update_fields=["performer_pay", "ph_contributions", "fund_royalties", "interest", "total"])


def totals_from_lines(invoice: Invoice) -> DocumentTotals:
    """A document's totals from its stored lines (signed as stored), with the P&H fund split of
    the terms each line copied."""
    totals = DocumentTotals()
    applied = dict(
        AppliedTerms.objects.filter(pk__in=invoice.lines.values("applied_terms_id")).values_list("pk", "terms")
    )
    for il in invoice.lines.all():
        terms_used = applied[il.applied_terms_id]
        rated = rating.Rated(
            performer_pay=il.performer_pay,
            ph_contribution=il.ph_contribution,
            fund_shares={fund: Decimal(amount) for fund, amount in il.fund_shares.items()},
        )
        # Residuals and interest lines carry no P&H, so their terms need no P&H split.
        terms = rating.Terms(
            currency=invoice.currency,
            fund_split={k: Decimal(str(v)) for k, v in terms_used.get("fund_split", {}).items()},
        )
        credited = terms_used.get(FUNDS_CREDITED)
        # Stored as what was charged (positive); the credit line itself is stored negative.
        _add(
            totals,
            il.performer_id,
            rated,
            terms,
            Decimal(1),
            {k: -Decimal(v) for k, v in credited.items()} if credited else None,
        )
        totals.interest += il.interest
    return totals


def charged_so_far(charge: InvoiceLine, debits: list[InvoiceLine], *, explanation: str) -> rating.Rated:
    """What a usage line's charge and the debit notes standing on it add up to."""
    parts = [charge, *debits]
    funds: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for part in parts:
        for fund, amount in part.fund_shares.items():
            funds[fund] += Decimal(amount)
    return rating.Rated(
        performer_pay=sum((p.performer_pay for p in parts), ZERO),
        ph_contribution=sum((p.ph_contribution for p in parts), ZERO),
        fund_shares={k: v for k, v in funds.items() if v},
        rate_card_id=charge.rate_card_id,
        explanation=f"{explanation} {', '.join(p.invoice.number for p in parts)}",
    )


# --- Finalization and the ledger --------------------------------------------------------------
# What finalizing each kind of document is recorded as.
_FINALIZED = {
    DocumentType.INVOICE: AuditAction.INVOICE_FINALIZED,
    DocumentType.CREDIT_NOTE: AuditAction.CREDIT_NOTE_FINALIZED,
    DocumentType.DEBIT_NOTE: AuditAction.DEBIT_NOTE_FINALIZED,
    DocumentType.RESIDUALS: AuditAction.RESIDUALS_INVOICE_FINALIZED,
}


def invoice_finalize(*, invoice: Invoice, actor: Actor, now: dt.datetime | None = None) -> Invoice:
    """Finalize a draft document on its own: in one transaction, holding the studio's lock and
    then the document's, its totals are set from its lines, and it gets its gap-free number and
    is posted, audited and announced as a run's documents are. A document that is not a draft,
    or has no lines, is refused (StateConflictError) and nothing changes."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = lock_document(invoice)
        if invoice.status != InvoiceStatus.DRAFT:
            raise StateConflictError(
                f"{invoice} is {invoice.status}; only a draft is finalized.", status=invoice.status
            )
        totals = totals_from_lines(invoice)
        if totals.lines == 0:
            raise StateConflictError(f"{invoice} has no lines; a document with nothing on it is not finalized.")
        set_totals(invoice, totals)
        return finalize_draft(invoice=invoice, totals=totals, actor=actor, now=now)


def finalize_draft(
    *,
    invoice: Invoice,
    totals: DocumentTotals,
    actor: Actor,
    now: dt.datetime,
    audit_data: dict | None = None,
    terms_agreement: Agreement | None = None,
) -> Invoice:
    """Give the draft its gap-free number, its issue and due dates, freeze it, and post it to
    the ledger, inside the caller's transaction (which holds the studio's lock and has set the
    document's totals)."""
    if invoice.status != InvoiceStatus.DRAFT:
        raise StateConflictError(f"{invoice} is {invoice.status}; only a draft is finalized.")
    invoice.number = _next_number(invoice.document_type, now.year)
    invoice.status = InvoiceStatus.FINALIZED
    invoice.finalized_at = now
    _set_payment_terms(invoice, terms_agreement or _terms_agreement_of(invoice), timezone.localtime(now).date())
    invoice.save(
        update_fields=[
            "number",
            "status",
            "finalized_at",
            "issue_date",
            "due_date",
            "terms_agreement",
            "payment_terms",
            "balance",
        ]
    )
    _post_document(invoice, totals, actor, now)
    audit_record(
        actor=actor,
        action=_FINALIZED[invoice.document_type],
        subject_type=AuditSubject.INVOICE,
        subject_id=invoice.public_id,
        studio_id=invoice.studio.public_id,
        data={
            "number": invoice.number,
            "period": invoice.period.isoformat(),
            "total": invoice.total,
            "currency": invoice.currency,
            "lines": totals.lines,
            **(audit_data or {}),
        },
    )
    webhook_events.invoice_finalized(invoice)
    return invoice


def terms_agreement_among(agreements: Iterable[Agreement]) -> Agreement | None:
    """The agreement whose payment terms a document carries: of the agreements its lines were
    rated under, the one that gives the studio the least time (then the lowest code), so a
    document mixing agreements is never due later than any of them allows."""
    return min(agreements, key=lambda agreement: (agreement.payment_terms_days, agreement.code), default=None)


def _terms_agreement_of(invoice: Invoice) -> Agreement | None:
    """`terms_agreement_among` the agreements of a document's lines, read from them: for a
    document finalized on its own (a run's drafts know theirs from rating them)."""
    return terms_agreement_among(
        Agreement.objects.filter(pk__in=InvoiceLine.objects.filter(invoice=invoice).values("agreement_id"))
    )


def payment_terms_of(agreement: Agreement | None) -> dict:
    """The payment terms a document copies: its agreement's, or the registry default (DOMAIN.md
    6) when it names none."""
    if agreement is None:
        return {
            "agreement": None,
            "days": DEFAULT_TERMS_DAYS,
            "late_interest_monthly_rate": str(DEFAULT_MONTHLY_RATE),
            "reminder_days": list(DEFAULT_REMINDER_DAYS),
            "confidence": Confidence.LOW.value,
            "source": PAYMENT_TERMS_DEFAULT_NOTE,
        }
    return {
        "agreement": agreement.code,
        "days": agreement.payment_terms_days,
        "late_interest_monthly_rate": str(agreement.late_interest_monthly_rate),
        "reminder_days": list(agreement.reminder_days),
        "confidence": agreement.payment_terms_confidence,
        "source": agreement.payment_terms_source,
    }


def _set_payment_terms(invoice: Invoice, agreement: Agreement | None, issue_date: dt.date) -> None:
    terms = payment_terms_of(agreement)
    invoice.terms_agreement = agreement
    invoice.payment_terms = terms
    invoice.issue_date = issue_date
    invoice.due_date = receivable_rules.due_date(issue_date, terms["days"])
    invoice.balance = invoice.total


def _next_number(document_type: str, year: int) -> str:
    sequence, _ = InvoiceNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{NUMBER_PREFIXES[document_type]}-{year}-{sequence.last_number:06d}"


def _post_document(invoice: Invoice, totals: DocumentTotals, actor: Actor, now: dt.datetime) -> None:
    """Dr studio receivable, Cr each performer's payable and each fund (signs flip for credits),
    the accounts read (and made, the first time) together."""
    currency = invoice.currency
    performers = Performer.objects.filter(pk__in=list(totals.by_performer)).only("pk", "public_id", "legal_name")
    payable = {performer.pk: ledger.performer_payable(performer, currency) for performer in performers}
    by_fund = totals.by_fund(invoice.public_id)
    funds = {name: ledger.fund(name, currency) for name in by_fund}
    receivable = ledger.studio_receivable(invoice.studio, currency)
    interest = ledger.named(AccountKind.INTEREST, currency)
    specs = [receivable, *payable.values(), *funds.values(), *([interest] if totals.interest else [])]
    accounts = ledger.accounts(specs)
    legs = [(accounts[receivable.code], invoice.total)]
    for performer_id, amount in totals.by_performer.items():
        legs.append((accounts[payable[performer_id].code], -amount))
    for name, amount in by_fund.items():
        legs.append((accounts[funds[name].code], -amount))
    if totals.interest:
        legs.append((accounts[interest.code], -totals.interest))
    ledger.post_entry(
        memo=f"{invoice.get_document_type_display()} {invoice.number}",
        legs=legs,
        currency=currency,
        posted_at=now,
        posted_by=actor.name,
        invoice=invoice,
    )


# --- Residuals invoices -----------------------------------------------------------------------
@dataclass(frozen=True)
class ResidualCharge:
    """One line of a residuals invoice: a performer's share (performer set) or a fund's (fund set)."""

    amount: Decimal
    description: str
    performer: Performer | None = None
    fund: str = ""
    grant_id: int | None = None
    grant_public_id: str = ""


def residuals_invoice_issue(
    *,
    studio: Studio,
    currency: str,
    agreement: Agreement,
    source_ref: str,
    charges: list[ResidualCharge],
    explanation: str,
    terms_used: dict,
    actor: Actor,
    now: dt.datetime,
) -> Invoice:
    """Invoice a streaming success bonus or a training licence's cast shares to the studio, as
    its own document in the gap-free sequence (RSI-…), finalized and posted as soon as it arises:
    Dr the studio's receivable, Cr each performer's payable and the fund. Called inside the
    caller's transaction; takes the studio's lock as every writer of its receivable does."""
    lock_studio(studio.pk)
    invoice = Invoice.objects.create(
        studio=studio,
        period=now.date().replace(day=1),
        currency=currency,
        created_at=now,
        document_type=DocumentType.RESIDUALS,
    )
    totals = DocumentTotals()
    applied_terms_id = DocumentLines(invoice).id_of({**terms_used, "ph_contribution_rate": "0", "fund_split": {}})
    lines = []
    for charge in charges:
        if not charge.amount:
            continue
        fund_shares = {charge.fund: str(charge.amount)} if charge.fund else {}
        lines.append(
            InvoiceLine(
                invoice=invoice,
                month=invoice.period,
                usage_line=None,
                performer=charge.performer,
                grant_id=charge.grant_id,
                token_jti=charge.grant_public_id,
                agreement=agreement,
                applied_terms_id=applied_terms_id,
                source_ref=source_ref,
                description=charge.description[:500],
                explanation=explanation[:2000],
                performer_pay=ZERO if charge.fund else charge.amount,
                ph_contribution=ZERO,
                fund_shares=fund_shares,
                fund_total=charge.amount if charge.fund else ZERO,
                total=charge.amount,
            )
        )
        totals.lines += 1
        if charge.fund:
            totals.funds += charge.amount
            totals.fund_pools[(_whole(charge.fund), "")] += charge.amount
        else:
            totals.performer_pay += charge.amount
            totals.by_performer[charge.performer.pk] += charge.amount
    InvoiceLine.objects.bulk_create(lines)
    set_totals(invoice, totals)
    return finalize_draft(
        invoice=invoice,
        totals=totals,
        actor=actor,
        now=now,
        terms_agreement=agreement,
        audit_data={"source": source_ref},
    )
