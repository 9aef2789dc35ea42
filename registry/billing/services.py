"""Writes for billing: runs, per-studio billing (invoices and credit notes), finalization with
gap-free numbers, ledger postings, payments and payouts.

Exactly once: a studio's documents for a period are unique in the database, each usage line
can be charged once and credited once, and billing a studio is one transaction that holds the
studio's row lock. Re-running a period, or running it twice at once, creates nothing twice.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.utils import timezone

from registry.audit.services import audit_record
from registry.billing import ledger, rating
from registry.billing.models import (
    LIVE_RUN_STATUSES,
    BillingRun,
    BillingRunStudio,
    DocumentType,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceStatus,
    Posting,
    RunStatus,
)
from registry.billing.money import round_money
from registry.core import limits
from registry.core.actors import Actor
from registry.core.bulk import copy_insert
from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError
from registry.outbox import services as outbox
from registry.parties.models import Performer, Studio
from registry.terms.models import Agreement, RateCard
from registry.usage.models import LineStatus, UsageKind, UsageLine
from registry.webhooks import events as webhook_events

ZERO = Decimal("0.00")
CHUNK = 2000
MAX_ERRORS_PER_STUDIO = 50
# Days in a week for a weekly performer's pro-rata daily rate.
WORK_DAYS_PER_WEEK = Decimal(5)


# --- Periods ----------------------------------------------------------------------------------
def parse_period(text: str) -> dt.date:
    """'2026-10' -> 2026-10-01: a month written and bounded as registry.core.limits says;
    InputFault (a ValueError) with a clear message otherwise."""
    return limits.parse_month(text)


def period_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def previous_period(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


# --- Runs -------------------------------------------------------------------------------------
def billing_run_start(*, period: dt.date, actor: Actor, now: dt.datetime | None = None) -> tuple[BillingRun, bool]:
    """Create a run for the period and enqueue it after commit (created True). If one is already
    pending or running for the period, return it (created False) and enqueue its start again:
    that is how a run whose worker died is resumed, and it is safe, since planning is done once
    and billing a studio twice creates nothing."""
    if period.day != 1:
        raise ValueError("a period starts on the first day of a month")
    now = now or timezone.now()
    from registry.billing import tasks

    for _ in range(3):
        try:
            with transaction.atomic():
                run = BillingRun.objects.create(period=period, requested_by=actor.name, created_at=now)
                audit_record(
                    actor=actor,
                    action="billing_run.started",
                    subject_type="billing_run",
                    subject_id=run.public_id,
                    data={"period": period.isoformat()},
                )
                outbox.enqueue(tasks.start_run, run.pk)
                return run, True
        except IntegrityError:
            live = BillingRun.objects.filter(period=period, status__in=LIVE_RUN_STATUSES).first()
            if live is None:
                continue  # it finished between our insert and this read: start a new one
            with transaction.atomic():
                audit_record(
                    actor=actor,
                    action="billing_run.resumed",
                    subject_type="billing_run",
                    subject_id=live.public_id,
                    data={"period": period.isoformat()},
                )
                outbox.enqueue(tasks.start_run, live.pk)
            return live, False
    raise StateConflictError(f"Could not start or join a billing run for {period:%Y-%m}; try again.")


# Charges and credits that stand: a voided document's lines are released, and a debit note's
# lines add to a charge rather than make one. The same predicate as the partial unique index
# usage_line_billed_once, so these lookups are answered from it.
STANDING = {"released": False, "corrects__isnull": True}


def _charged(**filters):
    return InvoiceLine.objects.filter(usage_line=OuterRef("pk"), is_credit=False, **STANDING, **filters)


def _credited():
    return InvoiceLine.objects.filter(usage_line=OuterRef("pk"), is_credit=True, **STANDING)


def _billable(lines):
    """Lines with no standing charge, probed line by line through the partial unique index.

    Written as a scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into a hash anti
    join that reads every standing charge ever written whenever its statistics take the invoice
    line table for small, as they do in a run on a new database, where the table grows from
    nothing to a million rows within the run: each studio's query then read the whole table
    (quadratic; 0.2 s a studio at 250,000 lines). A scalar subquery stays a per-line index probe,
    whatever the statistics say."""
    probe = Subquery(_charged().order_by().values("pk")[:1])
    return lines.alias(standing_charge=probe).filter(standing_charge__isnull=True)


def _unbilled_lines(studio_id: int, period: dt.date):
    return _billable(
        UsageLine.objects.filter(
            studio_id=studio_id,
            status=LineStatus.ACCEPTED,
            use_date__lte=period_end(period),
            kind__in=list(rating.RATERS),
        )
    )


def _uncredited_retractions(studio_id: int):
    charged = _charged(invoice__status__in=[InvoiceStatus.FINALIZED, InvoiceStatus.PAID])
    credited = _credited()
    return UsageLine.objects.filter(studio_id=studio_id, status=LineStatus.RETRACTED).filter(
        Exists(charged), ~Exists(credited)
    )


def billing_run_plan(*, run_id: int, now: dt.datetime | None = None) -> list[int]:
    """Mark the run running and return the studios still to bill, those with the most lines
    first (so the run does not end waiting on one big studio started last; ties in id order).
    Planned once: a redelivered start task gets the same plan back, less the studios done."""
    now = now or timezone.now()
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        if run.status not in LIVE_RUN_STATUSES:
            return []
        if run.status == RunStatus.RUNNING:
            return list(run.studios.filter(done_at__isnull=True).order_by("pk").values_list("studio_id", flat=True))
        end = period_end(run.period)
        with_charges = _billable(
            UsageLine.objects.filter(status=LineStatus.ACCEPTED, use_date__lte=end, kind__in=list(rating.RATERS))
        )
        sizes = with_charges.order_by().values("studio_id").annotate(n=Count("pk")).values_list("studio_id", "n")
        studios = [pk for pk, _ in sorted(sizes, key=lambda row: (-row[1], row[0]))]
        charging = set(studios)
        for studio_id in Studio.objects.order_by("pk").values_list("pk", flat=True):
            if studio_id not in charging and _uncredited_retractions(studio_id).exists():
                studios.append(studio_id)
        BillingRunStudio.objects.bulk_create([BillingRunStudio(run=run, studio_id=pk) for pk in studios])
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.studios_total = len(studios)
        run.save(update_fields=["status", "started_at", "studios_total"])
        if not studios:
            _complete(run, now)
    return studios


def _complete(run: BillingRun, now: dt.datetime) -> None:
    run.status = RunStatus.COMPLETED_WITH_ERRORS if run.errors else RunStatus.COMPLETED
    run.finished_at = now
    run.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=Actor.system("billing"),
        action="billing_run.finished",
        subject_type="billing_run",
        subject_id=run.public_id,
        data={
            "status": run.status,
            "documents": run.documents_created,
            "lines": run.lines_billed,
            "errors": len(run.errors),
        },
    )


# --- Rating inputs ----------------------------------------------------------------------------
class ScaleTable:
    """Every rate card row of the agreements involved, loaded once per studio bill."""

    def __init__(self, agreement_ids: set[int]) -> None:
        self.rows: dict[tuple[int, str, str], list[RateCard]] = defaultdict(list)
        for row in RateCard.objects.filter(agreement_id__in=agreement_ids).order_by("effective_from"):
            self.rows[(row.agreement_id, row.role_category, row.unit)].append(row)

    def lookup(self, agreement: Agreement):
        def scale(role: str, unit: str, on: dt.date) -> rating.ScaleRate:
            for row in reversed(self.rows.get((agreement.pk, role, unit), [])):
                if row.effective_from <= on and (row.effective_to is None or on <= row.effective_to):
                    return rating.ScaleRate(row.pk, role, unit, row.amount, row.currency)
            raise rating.RatingError(f"agreement {agreement.code} has no {role} rate per {unit} on {on.isoformat()}")

        return scale


def terms_of(agreement: Agreement) -> rating.Terms:
    return rating.Terms(
        currency=agreement.currency,
        ph_rate=agreement.ph_contribution_rate,
        fund_split={k: Decimal(str(v)) for k, v in agreement.synthetic_fund_split.items()},
        synthetic_multiplier=agreement.synthetic_royalty_multiplier,
        realtime_multiplier=agreement.realtime_generation_multiplier,
        icdr_floor_day_scale=agreement.icdr_floor_day_scale,
    )


def terms_snapshot(agreement: Agreement) -> dict:
    return {
        "agreement": agreement.code,
        "ph_contribution_rate": str(agreement.ph_contribution_rate),
        "fund_split": agreement.synthetic_fund_split,
        "synthetic_royalty_multiplier": str(agreement.synthetic_royalty_multiplier),
        "realtime_generation_multiplier": str(agreement.realtime_generation_multiplier),
        "icdr_floor_day_scale": agreement.icdr_floor_day_scale,
    }


@dataclass(frozen=True, slots=True)
class _Use:
    """What billing needs of a usage line, read as plain values: a run reads a million lines,
    and a model instance per line (with its grant, request, performer and agreement) costs
    ten times the rating."""

    pk: int
    line_ref: str
    kind: str
    use_date: dt.date
    units: Decimal
    role_category: str
    estimated_days: Decimal | None
    negotiated_amount: Decimal | None
    agreement_id: int
    performer_id: int | None
    performer_name: str
    project_title: str
    production_number: str
    grant_id: int | None  # the grant that covered the use on its date, else the one relied on
    grant_public_id: str
    compensation_amount: Decimal | None
    compensation_unit: str


_USE_VALUES = (
    "pk",
    "line_ref",
    "kind",
    "use_date",
    "units",
    "role_category",
    "estimated_days",
    "negotiated_amount",
    "agreement_id",
    "performer_id",
    "performer__professional_name",
    "performer__legal_name",
    "project_title",
    "production_number",
    "covering_grant_id",
    "covering_grant__public_id",
    "covering_grant__request__compensation_amount",
    "covering_grant__request__compensation_unit",
    "grant_id",
    "grant__public_id",
    "grant__request__compensation_amount",
    "grant__request__compensation_unit",
)


def _uses(lines, *, chunk_size: int = CHUNK):
    """Stream a usage-line queryset as _Use values in id order, `chunk_size` rows at a time, so
    memory does not grow with the lines.

    Each chunk is its own query (keyset: ids above the last one seen), not one long server-side
    cursor: the query's "no standing charge yet" probe of the invoice lines is then planned for
    the table as it is at that moment. A cursor opened when the table was empty kept a plan that
    scanned the whole table for every line, while this and other studios' bills filled it (one
    studio of 18,000 lines ran for over ten minutes)."""
    last = None
    while True:
        chunk = lines if last is None else lines.filter(pk__gt=last)
        rows = list(chunk.order_by("pk").values_list(*_USE_VALUES)[:chunk_size])
        for row in rows:
            yield _use_of(row)
        if len(rows) < chunk_size:
            return
        last = rows[-1][0]


def _use_of(row: tuple) -> _Use:
    (pk, ref, kind, day, units, role, days, negotiated, agreement_id, performer_id, pro_name, legal_name,
     title, number, cg_id, cg_public, cg_amount, cg_unit, g_id, g_public, g_amount, g_unit) = row  # fmt: skip
    covering = cg_id is not None
    return _Use(
        pk=pk,
        line_ref=ref,
        kind=kind,
        use_date=day,
        units=units,
        role_category=role,
        estimated_days=days,
        negotiated_amount=negotiated,
        agreement_id=agreement_id,
        performer_id=performer_id,
        performer_name=(pro_name or legal_name or "") if performer_id else "",
        project_title=title,
        production_number=number,
        grant_id=cg_id if covering else g_id,
        grant_public_id=(cg_public if covering else g_public) or "",
        compensation_amount=cg_amount if covering else g_amount,
        compensation_unit=(cg_unit if covering else g_unit) or "",
    )


@dataclass(frozen=True)
class _Terms:
    """An agreement's rating terms, the copy of them stored on each line, and its rate cards."""

    agreement: Agreement
    terms: rating.Terms
    snapshot: dict
    scale: rating.Scale


class _AgreementTerms(dict):
    """Agreement id -> _Terms, each loaded once per studio bill."""

    def __missing__(self, agreement_id: int) -> _Terms:
        agreement = Agreement.objects.get(pk=agreement_id)
        value = self[agreement_id] = _Terms(
            agreement, terms_of(agreement), terms_snapshot(agreement), ScaleTable({agreement_id}).lookup(agreement)
        )
        return value


def _own_daily_rate(use: _Use) -> Decimal | None:
    if use.compensation_unit == "day":
        return use.compensation_amount
    if use.compensation_unit == "week":
        return round_money(use.compensation_amount / WORK_DAYS_PER_WEEK)
    return None


def facts_of(use: _Use) -> rating.LineFacts:
    return rating.LineFacts(
        kind=use.kind,
        use_date=use.use_date,
        units=use.units,
        role_category=use.role_category,
        estimated_days=use.estimated_days,
        own_daily_rate=_own_daily_rate(use),
        negotiated_amount=use.negotiated_amount,
        grant_compensation=use.compensation_amount,
        grant_compensation_unit=use.compensation_unit,
    )


# --- Billing one studio -----------------------------------------------------------------------
@dataclass
class _Totals:
    performer_pay: Decimal = ZERO
    ph: Decimal = ZERO
    funds: Decimal = ZERO
    by_performer: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    by_fund: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    lines: int = 0


def bill_studio(*, run_id: int, studio_id: int, now: dt.datetime | None = None) -> int:
    """Bill one studio for the run's period: charges for unbilled covered use (late lines as
    adjustments), credit notes for retracted billed lines. Returns documents created. Safe to
    run again and concurrently: the studio row lock and the unique constraints see to that."""
    now = now or timezone.now()
    run = BillingRun.objects.get(pk=run_id)
    errors: list[dict] = []
    created = 0
    lines_billed = 0
    with transaction.atomic():
        # no_key: serialises billing of the studio without blocking inserts that reference it.
        studio = Studio.objects.select_for_update(no_key=True).get(pk=studio_id)
        for currency in _currencies(studio_id, run.period):
            invoice, n, errs = _charge(run, studio, currency, now)
            errors += errs
            if invoice is not None:
                created += 1
                lines_billed += n
            credit, n = _credit(run, studio, currency, now)
            if credit is not None:
                created += 1
                lines_billed += n
    _record_progress(run_id, studio_id, created, lines_billed, errors, now)
    return created


def _currencies(studio_id: int, period: dt.date) -> list[str]:
    # DISTINCT in SQL: a studio may have a hundred thousand lines, and only a currency or two.
    charges = _unbilled_lines(studio_id, period).order_by().values_list("agreement__currency", flat=True).distinct()
    credits = _uncredited_retractions(studio_id).order_by().values_list("agreement__currency", flat=True).distinct()
    return sorted(set(charges) | set(credits))


def _period_document(studio: Studio, period: dt.date, document_type: str, currency: str):
    """The run's document of this kind for the period, unless voided (one_document_per_studio_period_kind)."""
    return Invoice.objects.filter(
        studio=studio, period=period, document_type=document_type, currency=currency
    ).exclude(status=InvoiceStatus.VOID)


def _charge(run: BillingRun, studio: Studio, currency: str, now: dt.datetime):
    if _period_document(studio, run.period, DocumentType.INVOICE, currency).exists():
        return None, 0, []  # this period's invoice exists: later lines become next period's adjustments
    lines = _unbilled_lines(studio.pk, run.period).filter(agreement__currency=currency)
    invoice = Invoice.objects.create(
        studio=studio,
        period=run.period,
        run=run,
        currency=currency,
        created_at=now,
        document_type=DocumentType.INVOICE,
    )
    agreements = _AgreementTerms()
    totals = _Totals()
    errors = []
    unrated = 0
    batch: list[dict] = []
    for use in _uses(lines):
        terms = agreements[use.agreement_id]
        try:
            rated = rating.rate_line(facts_of(use), terms.terms, terms.scale)
        except rating.RatingError as exc:
            unrated += 1
            if len(errors) < MAX_ERRORS_PER_STUDIO:  # kept on the run: bounded, whatever the lines
                errors.append({"studio": studio.public_id, "line": use.line_ref, "error": str(exc)})
            continue
        batch.append(_invoice_line(invoice, use, rated, terms, run.period, credit=False))
        _add(totals, use, rated, terms.terms)
        if len(batch) >= CHUNK:
            copy_insert(InvoiceLine, batch)
            batch = []
    copy_insert(InvoiceLine, batch)
    if unrated > len(errors):
        errors.append({"studio": studio.public_id, "error": f"{unrated - len(errors)} more lines not rated"})
    if totals.lines == 0:
        # Nothing could be rated: no empty invoice (the errors say why).
        invoice.delete()
        return None, 0, errors
    _set_totals(invoice, totals)
    finalize(invoice=invoice, totals=totals, actor=Actor.system("billing"), now=now)
    return invoice, totals.lines, errors


KIND_LABELS = dict(UsageKind.choices)


def _invoice_line(
    invoice: Invoice,
    use: _Use,
    rated: rating.Rated,
    terms: _Terms,
    period: dt.date,
    *,
    credit: bool,
    corrects: InvoiceLine | None = None,
    terms_used: dict | None = None,
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
    return {
        "invoice_id": invoice.pk,
        "usage_line_id": use.pk,
        "is_credit": credit,
        "is_adjustment": use.use_date < period,
        "released": False,
        "corrects_id": corrects.pk if corrects else None,
        "performer_id": use.performer_id,
        "grant_id": use.grant_id,
        "token_jti": use.grant_public_id,
        "rate_card_id": rated.rate_card_id,
        "agreement_id": use.agreement_id,
        "terms_used": terms_used or terms.snapshot,
        "description": (
            f"{label}{KIND_LABELS.get(use.kind, use.kind)}, {who}, {use.project_title} "
            f"({use.production_number}), {use.use_date.isoformat()}"
        )[:500],
        "explanation": rated.explanation[:2000],
        "performer_pay": rated.performer_pay,
        "ph_contribution": rated.ph_contribution,
        "fund_shares": {k: str(v) for k, v in rated.fund_shares.items()},
        "fund_total": fund_total,
        "total": rated.performer_pay + rated.ph_contribution + fund_total,
    }


def _add(totals: _Totals, use: _Use, rated: rating.Rated, terms: rating.Terms, sign: Decimal = Decimal(1)):
    totals.lines += 1
    totals.performer_pay += sign * rated.performer_pay
    totals.ph += sign * rated.ph_contribution
    totals.funds += sign * sum(rated.fund_shares.values(), ZERO)
    if rated.performer_pay and use.performer_id:
        totals.by_performer[use.performer_id] += sign * rated.performer_pay
    for fund, amount in rated.fund_shares.items():
        totals.by_fund[fund] += sign * amount
    for fund, amount in rating.ph_fund_shares(rated, terms).items():
        totals.by_fund[fund] += sign * amount


def _set_totals(invoice: Invoice, totals: _Totals) -> None:
    invoice.performer_pay = totals.performer_pay
    invoice.ph_contributions = totals.ph
    invoice.fund_royalties = totals.funds
    invoice.total = totals.performer_pay + totals.ph + totals.funds
    invoice.save(update_fields=["performer_pay", "ph_contributions", "fund_royalties", "total"])


def _credit(run: BillingRun, studio: Studio, currency: str, now: dt.datetime):
    """A credit note for billed lines the studio retracted since."""
    uses = list(_uses(_uncredited_retractions(studio.pk).filter(agreement__currency=currency)))
    if not uses:
        return None, 0
    if _period_document(studio, run.period, DocumentType.CREDIT_NOTE, currency).exists():
        return None, 0  # this period's credit note exists: later retractions go on next period's
    charges = {
        il.usage_line_id: il
        for il in InvoiceLine.objects.filter(
            usage_line__in=[u.pk for u in uses], is_credit=False, **STANDING
        ).select_related("invoice")
    }
    debits: dict[int, list[InvoiceLine]] = defaultdict(list)
    for il in InvoiceLine.objects.filter(corrects__in=list(charges.values()), released=False).select_related(
        "invoice"
    ):
        debits[il.corrects_id].append(il)
    credit = Invoice.objects.create(
        studio=studio,
        period=run.period,
        run=run,
        currency=currency,
        created_at=now,
        document_type=DocumentType.CREDIT_NOTE,
        original=max((c.invoice for c in charges.values()), key=lambda i: i.pk),
    )
    agreements = _AgreementTerms()
    totals = _Totals()
    rows = []
    for use in uses:
        charge = charges[use.pk]
        terms = agreements[use.agreement_id]
        # Credit exactly what was charged (the charge and any debit notes on it), whatever the
        # rates say today.
        rated = _charged_so_far(charge, debits[charge.pk], explanation="credits")
        rows.append(_invoice_line(credit, use, rated, terms, run.period, credit=True))
        _add(totals, use, rated, terms.terms, sign=Decimal(-1))
    copy_insert(InvoiceLine, rows)
    _set_totals(credit, totals)
    finalize(invoice=credit, totals=totals, actor=Actor.system("billing"), now=now)
    return credit, len(rows)


def _charged_so_far(charge: InvoiceLine, debits: list[InvoiceLine], *, explanation: str) -> rating.Rated:
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


def _record_progress(
    run_id: int, studio_id: int, created: int, lines: int, errors: list[dict], now: dt.datetime
) -> None:
    """Count a studio once, however often its task was delivered."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        first_time = BillingRunStudio.objects.filter(run_id=run_id, studio_id=studio_id, done_at__isnull=True).update(
            done_at=now
        )
        if not first_time:
            return
        run.studios_done = F("studios_done") + 1
        run.documents_created = F("documents_created") + created
        run.lines_billed = F("lines_billed") + lines
        run.errors = run.errors + errors
        run.save(update_fields=["studios_done", "documents_created", "lines_billed", "errors"])
        run.refresh_from_db()
        if run.status == RunStatus.RUNNING and not run.studios.filter(done_at__isnull=True).exists():
            _complete(run, now)


# --- Finalization and the ledger --------------------------------------------------------------
def _next_number(document_type: str, year: int) -> str:
    sequence, _ = InvoiceNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    prefix = {"invoice": "INV", "credit_note": "CRN", "debit_note": "DBN"}[document_type]
    return f"{prefix}-{year}-{sequence.last_number:06d}"


def finalize(
    *,
    invoice: Invoice,
    totals: _Totals | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
    audit_data: dict | None = None,
):
    """Give the document its gap-free number, freeze it, and post it to the ledger."""
    now = now or timezone.now()
    if invoice.status != InvoiceStatus.DRAFT:
        raise StateConflictError(f"{invoice} is {invoice.status}; only a draft is finalized.")
    totals = totals or _totals_from_lines(invoice)
    invoice.number = _next_number(invoice.document_type, now.year)
    invoice.status = InvoiceStatus.FINALIZED
    invoice.finalized_at = now
    invoice.save(update_fields=["number", "status", "finalized_at"])
    _post_document(invoice, totals, actor, now)
    audit_record(
        actor=actor,
        action=f"{invoice.document_type}.finalized",
        subject_type="invoice",
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


def _totals_from_lines(invoice: Invoice) -> _Totals:
    totals = _Totals()
    for il in invoice.lines.all():
        totals.lines += 1
        totals.performer_pay += il.performer_pay
        totals.ph += il.ph_contribution
        totals.funds += il.fund_total
        if il.performer_id and il.performer_pay:
            totals.by_performer[il.performer_id] += il.performer_pay
        terms = rating.Terms(
            currency=invoice.currency,
            ph_rate=Decimal(il.terms_used["ph_contribution_rate"]),
            fund_split={k: Decimal(str(v)) for k, v in il.terms_used["fund_split"].items()},
        )
        for fund, amount in il.fund_shares.items():
            totals.by_fund[fund] += Decimal(amount)
        for fund, amount in rating.fund_split(il.ph_contribution, terms.fund_split).items():
            totals.by_fund[fund] += amount
    return totals


def _post_document(invoice: Invoice, totals: _Totals, actor: Actor, now: dt.datetime) -> None:
    """Dr studio receivable, Cr each performer's payable and each fund (signs flip for credits)."""
    currency = invoice.currency
    legs = [(ledger.account_for_studio(invoice.studio, currency), invoice.total)]
    accounts = ledger.accounts_for_performers(
        Performer.objects.filter(pk__in=list(totals.by_performer)).only("pk", "public_id", "legal_name"), currency
    )
    for performer_id, amount in totals.by_performer.items():
        legs.append((accounts[performer_id], -amount))
    for fund, amount in totals.by_fund.items():
        legs.append((ledger.account_for_fund(fund, currency), -amount))
    ledger.post_entry(
        memo=f"{invoice.get_document_type_display()} {invoice.number}",
        legs=legs,
        currency=currency,
        posted_at=now,
        posted_by=actor.name,
        invoice=invoice,
    )


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
                (ledger.account_named(ledger.CASH, invoice.currency), invoice.total),
                (ledger.account_for_studio(invoice.studio, invoice.currency), -invoice.total),
            ],
        )
        audit_record(
            actor=actor,
            action="invoice.paid",
            subject_type="invoice",
            subject_id=invoice.public_id,
            studio_id=invoice.studio.public_id,
            data={"number": invoice.number, "total": invoice.total},
        )
        webhook_events.invoice_paid(invoice)
    return invoice


def payout_record(
    *, performer: Performer, amount: Decimal, currency: str, actor: Actor, now: dt.datetime | None = None
):
    """Money paid out to a performer: Dr their payable, Cr cash."""
    if amount <= 0:
        raise ValueError("a payout is a positive amount")
    now = now or timezone.now()
    with transaction.atomic():
        entry = ledger.post_entry(
            memo=f"Payout to {performer.public_id}",
            currency=currency,
            posted_at=now,
            posted_by=actor.name,
            legs=[
                (ledger.account_for_performer(performer, currency), amount),
                (ledger.account_named(ledger.CASH, currency), -amount),
            ],
        )
        audit_record(
            actor=actor,
            action="payout.recorded",
            subject_type="performer",
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"amount": amount, "currency": currency},
        )
    return entry


# --- Corrections: voiding, debit notes --------------------------------------------------------
ISSUED = (InvoiceStatus.FINALIZED, InvoiceStatus.PAID)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError(
            "Give a reason.", problems=[FieldProblem("reason", "required", "A reason is required.")]
        )
    if len(reason) > 500:
        raise InvalidInputError(
            "The reason is too long.", problems=[FieldProblem("reason", "max_length", "At most 500 characters.")]
        )
    return reason


def _lock_document(invoice: Invoice) -> Invoice:
    """The studio's row first, as bill_studio takes it (so a run billing the studio and a
    correction never interleave), then the document's."""
    Studio.objects.select_for_update(no_key=True).get(pk=invoice.studio_id)
    return Invoice.objects.select_for_update(of=("self",)).select_related("studio").get(pk=invoice.pk)


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
        invoice = _lock_document(invoice)
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
        blocking = _standing_corrections(invoice)
        if blocking:
            raise StateConflictError(
                f"{invoice} is corrected by {', '.join(blocking)}: void that first.", corrected_by=blocking
            )
        released = invoice.lines.update(released=True)
        invoice.status = InvoiceStatus.VOID
        invoice.voided_at = now
        invoice.void_reason = reason
        invoice.save(update_fields=["status", "voided_at", "void_reason"])
        _post_reversal(invoice, actor, now)
        audit_record(
            actor=actor,
            action=f"{invoice.document_type}.voided",
            subject_type="invoice",
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


@dataclass(frozen=True)
class Correction:
    """An upward correction of one charged invoice line: the facts it should have been rated
    with (None keeps what the studio reported)."""

    line: InvoiceLine
    estimated_days: Decimal | None = None
    units: Decimal | None = None
    negotiated_amount: Decimal | None = None


CORRECTED_FACTS = ("estimated_days", "units", "negotiated_amount")


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
        original = _lock_document(original)
        if original.document_type != DocumentType.INVOICE or original.status not in ISSUED:
            raise StateConflictError(
                f"{original} is a {original.status} {original.get_document_type_display().lower()}: "
                "a debit note corrects a finalized or paid invoice.",
                status=original.status,
            )
        items = [_debit_item(original, i, c) for i, c in enumerate(corrections)]
        seen = [charge.pk for charge, *_ in items]
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
        totals = _Totals()
        rows = []
        for charge, use, terms, difference, corrected in items:
            snapshot = {**terms.snapshot, "corrected": corrected}
            rows.append(
                _invoice_line(
                    note, use, difference, terms, note.period, credit=False, corrects=charge, terms_used=snapshot
                )
            )
            _add(totals, use, difference, terms.terms)
        copy_insert(InvoiceLine, rows)
        _set_totals(note, totals)
        finalize(
            invoice=note,
            totals=totals,
            actor=actor,
            now=now,
            audit_data={"original": original.number, "reason": reason},
        )
    return note


def _debit_item(original: Invoice, index: int, correction: Correction):
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
    credit = InvoiceLine.objects.filter(usage_line=line, is_credit=True, **STANDING).select_related("invoice").first()
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
    [use] = _uses(UsageLine.objects.filter(pk=line.pk))
    terms = _AgreementTerms()[use.agreement_id]
    facts = dataclasses.replace(facts_of(use), **corrected)
    try:
        rerated = rating.rate_line(facts, terms.terms, terms.scale)
    except rating.RatingError as exc:
        raise InvalidInputError(str(exc), problems=[FieldProblem(field_name, "not_rated", str(exc))]) from exc
    so_far = _charged_so_far(
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
    return charge, use, terms, difference, {k: str(v) for k, v in corrected.items()}
