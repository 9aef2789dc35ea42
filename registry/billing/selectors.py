"""Reads for billing: invoices scoped to the caller, performer statements, fund balances."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet

from registry.billing.models import BillingRun, Invoice, InvoiceLine, LedgerAccount
from registry.core.vocabulary.billing import AccountKind, InvoiceStatus
from registry.parties.callers import Caller, visible_to
from registry.parties.models import Performer

ISSUED = (InvoiceStatus.FINALIZED, InvoiceStatus.PAID)


def invoices_visible_to(caller: Caller) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("studio", "original").exclude(status=InvoiceStatus.DRAFT)
    return visible_to(caller, qs, performer=None)


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
