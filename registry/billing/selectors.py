"""Reads for billing: invoices scoped to the caller, a document's lines (totals by group, pages,
every line for the CSV), performer statements, fund balances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from registry.billing import rules as receivable_rules
from registry.billing.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    LedgerAccount,
    Payment,
    PaymentApplication,
    Payout,
)
from registry.billing.money import round_money
from registry.core.vocabulary.billing import AccountKind, AgingBucket, InvoiceStatus, LineCharge
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Performer, Studio

ISSUED = (InvoiceStatus.FINALIZED, InvoiceStatus.PAID)


def invoices_visible_to(caller: Caller) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("studio", "original").exclude(status=InvoiceStatus.DRAFT)
    return visible_to(caller, qs, performer=None)


# --- One document's lines -----------------------------------------------------------------------
# A studio's monthly invoice can carry 70,000 lines: every read of it here is either a fixed number
# of rows (totals by group, one page) or a stream, never the whole document in memory.
LINE_AMOUNTS = ("performer_pay", "ph_contribution", "fund_total", "interest", "total")
SUMMARY_GROUP = ("charge", "use", "project_title", "production_number", "role", "month")


def _line_charge() -> Case:
    return Case(
        When(usage_line__isnull=False, then=Value(LineCharge.USAGE.value)),
        When(charged_document__isnull=False, then=Value(LineCharge.INTEREST.value)),
        default=Value(LineCharge.RESIDUALS.value),
        output_field=CharField(),
    )


def invoice_summary(invoice: Invoice) -> list[dict]:
    """The document's lines totalled by what they bill (usage, residuals, interest), use kind,
    project, role and month of use, by the database in one GROUP BY: a row per group, whatever
    the number of lines. Only usage lines have a use, project, role and month (None otherwise).
    Sums come back as Decimal rounded to the cent: SQLite adds decimals as floats, PostgreSQL
    exactly, and both then read the same."""
    rows = (
        InvoiceLine.objects.filter(invoice=invoice)
        .annotate(
            g_charge=_line_charge(),
            g_use=F("usage_line__kind"),
            g_project_title=F("usage_line__project_title"),
            g_production_number=F("usage_line__production_number"),
            g_role=F("usage_line__role_category"),
            g_month=TruncMonth("usage_line__use_date"),
        )
        .values(*(f"g_{key}" for key in SUMMARY_GROUP))
        # Annotations may not take a field's own name: sum_<field>.
        .annotate(line_count=Count("id"), **{f"sum_{amount}": Sum(amount) for amount in LINE_AMOUNTS})
        .order_by()  # no Meta ordering: it would join the GROUP BY
    )
    summary = [
        {
            **{key: row[f"g_{key}"] or None for key in SUMMARY_GROUP},
            "lines": row["line_count"],
            **{amount: round_money(row[f"sum_{amount}"]) for amount in LINE_AMOUNTS},
            "currency": invoice.currency,
        }
        for row in rows
    ]
    # Sorted here, not in SQL: the two databases place NULL (a residuals group's month) apart.
    summary.sort(key=lambda row: tuple((row[key] is not None, row[key] or "") for key in SUMMARY_GROUP))
    return summary


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The document's lines in document order, with their provenance (lines_with_provenance)."""
    return lines_with_provenance().filter(invoice=invoice).order_by("id")


def lines_with_provenance() -> QuerySet[InvoiceLine]:
    """Lines each with the few facts of its linked rows (usage line, performer, agreement,
    overdue document) read in the same query as annotations, and its rate row (with the rate's
    agreement, which names it) and the terms it was priced by joined: a page of lines, or a
    whole CSV, costs no query per line."""
    return InvoiceLine.objects.select_related("rate_card__agreement", "applied_terms").annotate(
        usage_line_ref=F("usage_line__line_ref"),
        use=F("usage_line__kind"),
        project_title=F("usage_line__project_title"),
        production_number=F("usage_line__production_number"),
        role=F("usage_line__role_category"),
        use_date=F("usage_line__use_date"),
        performer_ref=F("performer__public_id"),
        agreement_code=F("agreement__code"),
        charged_document_number=F("charged_document__number"),
    )


def performer_statement(performer: Performer, period: dt.date) -> dict:
    """What the performer earned on documents issued for the period: per line, and totals by
    studio, project and use. Credits appear as negative lines. Usage only: residuals (bonuses,
    licence shares) are on their own documents and listed beside these by residuals.selectors."""
    lines = (
        InvoiceLine.objects.filter(
            performer=performer, invoice__period=period, invoice__status__in=ISSUED, usage_line__isnull=False
        )
        .exclude(performer_pay=0)
        .select_related("invoice", "invoice__studio", "usage_line", "agreement")
        .order_by("usage_line__use_date", "id")
    )
    rows, by_studio, by_project, by_use, totals = (
        [],
        defaultdict(Decimal),
        defaultdict(Decimal),
        defaultdict(Decimal),
        defaultdict(Decimal),
    )
    for line in lines:
        studio = line.invoice.studio.legal_name
        project = f"{line.usage_line.project_title} ({line.usage_line.production_number})"
        rows.append(
            {
                "document": line.invoice.number,
                "studio": studio,
                "project": project,
                "use": line.usage_line.kind,
                "use_date": line.usage_line.use_date,
                "amount": line.performer_pay,
                "currency": line.invoice.currency,
                "grant": line.token_jti,
                "explanation": line.explanation,
                "credit": line.is_credit,
            }
        )
        by_studio[studio] += line.performer_pay
        by_project[project] += line.performer_pay
        by_use[line.usage_line.kind] += line.performer_pay
        totals[line.invoice.currency] += line.performer_pay
    return {
        "performer": performer.public_id,
        "period": period.strftime("%Y-%m"),
        "lines": rows,
        "by_studio": dict(by_studio),
        "by_project": dict(by_project),
        "by_use": dict(by_use),
        "totals": dict(totals),
    }


def performer_earnings_by_month(performer: Performer, year: int) -> dict[str, Decimal]:
    """Month (YYYY-MM) -> pay on issued documents, for charts."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    rows = InvoiceLine.objects.filter(
        performer=performer, invoice__period__year=year, invoice__status__in=ISSUED, usage_line__isnull=False
    )
    for period, pay in rows.values_list("invoice__period", "performer_pay"):
        totals[period.strftime("%Y-%m")] += pay  # summed as Decimal: SQLite's SUM uses floats
    return dict(totals)


def fund_balances() -> list[dict]:
    """Each fund account's balance: what the funds are owed (credits are negative postings)."""
    out = []
    for account in LedgerAccount.objects.filter(kind=AccountKind.FUND).order_by("code"):
        balance = sum(account.postings.values_list("amount", flat=True), Decimal("0.00"))
        out.append({"fund": account.code.split(":")[1], "currency": account.currency, "balance": -balance})
    return out


def runs_for_period(period: dt.date) -> QuerySet[BillingRun]:
    return BillingRun.objects.filter(period=period).order_by("-created_at")


# --- Receivables ------------------------------------------------------------------------------
BUCKETS = [b.value for b in AgingBucket]


def _empty_buckets() -> dict[str, Decimal]:
    return dict.fromkeys(BUCKETS, Decimal("0.00"))


def studio_currencies(studio: Studio) -> list[str]:
    return sorted(
        set(
            Invoice.objects.filter(studio=studio)
            .exclude(status=InvoiceStatus.DRAFT)
            .values_list("currency", flat=True)
        )
    )


def studio_statement(studio: Studio, currency: str, start: dt.date, end: dt.date) -> dict:
    """The studio's statement of account from `start` to `end` (inclusive): the balance it
    owed before, each document issued, voided or paid in between with the running balance, the
    balance at the end, and that balance by age (as of `end`). Positive amounts are owed by the
    studio; a credit note, a void and a payment are negative. Computed from the documents and
    payments as they stood on each date, so a statement for a past period reads the same later
    (a payment recorded late with an earlier date is the exception, and shows on its own date)."""
    documents = list(
        Invoice.objects.filter(studio=studio, currency=currency, issue_date__lte=end)
        .exclude(status=InvoiceStatus.DRAFT)
        .order_by("issue_date", "pk")
    )
    payments = list(
        Payment.objects.filter(studio=studio, currency=currency, received_on__lte=end).order_by("received_on", "pk")
    )
    applied_by_doc: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    applied_by_payment: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    applied_to: dict[int, list[str]] = defaultdict(list)
    for app in PaymentApplication.objects.filter(payment__in=payments, applied_on__lte=end).select_related("invoice"):
        applied_by_doc[app.invoice_id] += app.amount
        applied_by_payment[app.payment_id] += app.amount
        applied_to[app.payment_id].append(f"{app.invoice.number} {app.amount:.2f}")
    events = []  # (date, order, row)
    for doc in documents:
        events.append(
            (
                doc.issue_date,
                0,
                {
                    "date": doc.issue_date,
                    "entry": doc.document_type,
                    "reference": doc.number,
                    "document": doc.public_id,
                    "due_date": doc.due_date,
                    "amount": doc.total,
                    "detail": doc.reason or f"{doc.get_document_type_display()} for {doc.period:%Y-%m}",
                },
            )
        )
        day = timezone.localtime(doc.voided_at).date() if doc.voided_at else None
        if doc.status == InvoiceStatus.VOID and day and day <= end:
            events.append(
                (
                    day,
                    1,
                    {
                        "date": day,
                        "entry": "void",
                        "reference": doc.number,
                        "document": doc.public_id,
                        "due_date": None,
                        "amount": -doc.total,
                        "detail": f"Void: {doc.void_reason}"[:500],
                    },
                )
            )
    for payment in payments:
        events.append(
            (
                payment.received_on,
                2,
                {
                    "date": payment.received_on,
                    "entry": "payment",
                    "reference": payment.reference,
                    "document": payment.public_id,
                    "due_date": None,
                    "amount": -payment.amount,
                    "detail": f"{payment.get_method_display()}; applied to "
                    + (", ".join(applied_to[payment.pk]) or "nothing yet (credit)"),
                },
            )
        )
    events.sort(key=lambda e: (e[0], e[1]))
    opening = sum((row["amount"] for day, _, row in events if day < start), Decimal("0.00"))
    running = opening
    rows = []
    for day, _, row in events:
        if day < start:
            continue
        running += row["amount"]
        rows.append({**row, "balance": running})
    buckets = _empty_buckets()
    open_credit_notes = Decimal("0.00")
    for doc in documents:
        voided = doc.status == InvoiceStatus.VOID and doc.voided_at and timezone.localtime(doc.voided_at).date() <= end
        if voided:
            continue
        left = doc.total - applied_by_doc[doc.pk]
        if left > 0 and doc.due_date:
            buckets[receivable_rules.aging_bucket(doc.due_date, end)] += left
        elif left < 0:
            open_credit_notes += left
    unapplied = sum((p.amount - applied_by_payment[p.pk] for p in payments), Decimal("0.00"))
    return {
        "studio": studio.public_id,
        "studio_name": studio.legal_name,
        "currency": currency,
        "start": start,
        "end": end,
        "opening_balance": opening,
        "rows": rows,
        "closing_balance": running,
        "aging": buckets,
        "credit_notes_open": open_credit_notes,
        "unapplied_payments": -unapplied,
    }


def aging_report(as_of: dt.date, currency: str | None = None) -> dict:
    """Open balances of every studio by age on `as_of` (from each document's balance now), per
    currency, with totals: what the staff console's aging page and chart show. One query,
    summed in the database by studio, currency and due date."""
    qs = Invoice.objects.filter(status=InvoiceStatus.FINALIZED, balance__gt=0, due_date__isnull=False)
    if currency:
        qs = qs.filter(currency=currency)
    by_studio: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(_empty_buckets)
    totals: dict[str, dict[str, Decimal]] = defaultdict(_empty_buckets)
    rows = (
        qs.values("studio__public_id", "studio__legal_name", "currency", "due_date")
        .annotate(open=Sum("balance"))
        .order_by()
    )
    for row in rows:
        bucket = receivable_rules.aging_bucket(row["due_date"], as_of)
        amount = round_money(row["open"])
        by_studio[(row["studio__legal_name"], row["studio__public_id"], row["currency"])][bucket] += amount
        totals[row["currency"]][bucket] += amount
    studios = [
        {
            "studio": sid,
            "name": name,
            "currency": cur,
            "buckets": b,
            "cells": [b[bucket] for bucket in BUCKETS],
            "total": sum(b.values(), Decimal("0.00")),
        }
        for (name, sid, cur), b in sorted(by_studio.items())
    ]
    return {"as_of": as_of, "studios": studios, "totals": dict(totals)}


def payouts_of(performer: Performer) -> QuerySet[Payout]:
    return Payout.objects.filter(performer=performer).select_related("run").order_by("-pk")


def payments_visible_to(caller: Caller) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("studio").prefetch_related("applications__invoice")
    return visible_to(caller, qs, performer=None)
