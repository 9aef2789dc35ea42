"""Reads behind the staff console: the dashboard's figures and charts, and the rows of each
export. Staff see everything, so nothing here is scoped by caller; views check the role first.

Money is summed in Python as Decimal: SQLite's SUM goes through floats.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from registry.billing.models import BillingRun, Invoice, InvoiceLine, LedgerAccount, Posting
from registry.billing.selectors import ISSUED, fund_balances
from registry.cases.models import Case
from registry.consent.models import ConsentGrant, ConsentRequest, Strike
from registry.console.models import ChainCheck, ExportFile
from registry.core.vocabulary.billing import AccountKind, DocumentType, InvoiceStatus
from registry.core.vocabulary.cases import CaseKind, CaseStatus
from registry.core.vocabulary.consent import GrantStatus, RequestStatus, UseType
from registry.core.vocabulary.usage import LineStatus, UsageKind, UsageUnit
from registry.terms.selectors import carried_forward_rates
from registry.usage.models import UsageLine

ZERO = Decimal("0.00")

# Age buckets, in days: (label, lowest age, highest age or None for "and older").
REQUEST_AGES = [("under 2 days", 0, 1), ("2 to 7 days", 2, 7), ("8 to 30 days", 8, 30), ("over 30 days", 31, None)]
INVOICE_AGES = [
    ("0 to 30 days", 0, 30),
    ("31 to 60 days", 31, 60),
    ("61 to 90 days", 61, 90),
    ("over 90 days", 91, None),
]


def _bucket(age_days: int, buckets) -> str:
    for label, low, high in buckets:
        if age_days >= low and (high is None or age_days <= high):
            return label
    return buckets[-1][0]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_ending(last: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of `count` months, oldest first, ending with the month of `last`."""
    year, month = last.year, last.month
    out = []
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


# --- Dashboard --------------------------------------------------------------------------------
def grants_by_status_and_use() -> dict:
    """Counts of grant versions by status (rows) and use (columns), with totals."""
    counts = {
        (row["status"], row["use"]): row["n"]
        for row in ConsentGrant.objects.values("status", "use").annotate(n=Count("id")).order_by()
    }
    uses = [u for u in UseType if any(key[1] == u for key in counts)]
    rows = []
    for status in GrantStatus:
        cells = [counts.get((status.value, u.value), 0) for u in uses]
        rows.append({"status": status.label, "code": status.value, "cells": cells, "total": sum(cells)})
    return {
        "uses": [u.label for u in uses],
        "rows": rows,
        "total": sum(counts.values()),
    }


def pending_requests(*, now: dt.datetime | None = None, oldest: int = 10) -> dict:
    """Requests awaiting the performer's answer, counted by age, and the oldest of them."""
    now = now or timezone.now()
    pending = ConsentRequest.objects.filter(status=RequestStatus.PENDING)
    ages: Counter[str] = Counter()
    for requested_at in pending.values_list("requested_at", flat=True).iterator():
        ages[_bucket((now - requested_at).days, REQUEST_AGES)] += 1
    return {
        "total": sum(ages.values()),
        "by_age": [(label, ages.get(label, 0)) for label, _, _ in REQUEST_AGES],
        "oldest": [
            {"request": r, "age_days": (now - r.requested_at).days}
            for r in pending.select_related("studio", "performer").order_by("requested_at", "id")[:oldest]
        ],
    }


def open_cases(*, oldest: int = 10) -> dict:
    """Cases not yet resolved, by kind and status, and the oldest of them."""
    open_qs = Case.objects.exclude(status=CaseStatus.RESOLVED)
    counts = {
        (row["kind"], row["status"]): row["n"]
        for row in open_qs.values("kind", "status").annotate(n=Count("id")).order_by()
    }
    kinds = [
        {
            "kind": kind.label,
            "code": kind.value,
            "open": counts.get((kind.value, CaseStatus.OPEN), 0),
            "investigating": counts.get((kind.value, CaseStatus.INVESTIGATING), 0),
        }
        for kind in CaseKind
    ]
    return {
        "kinds": kinds,
        "violations": sum(k["open"] + k["investigating"] for k in kinds if k["code"] == CaseKind.VIOLATION),
        "synthetic": sum(k["open"] + k["investigating"] for k in kinds if k["code"] == CaseKind.SYNTHETIC_NOTICE),
        "oldest": list(
            open_qs.select_related("studio", "performer", "assigned_to").order_by("opened_at", "id")[:oldest]
        ),
    }


def invoices_outstanding(*, today: dt.date | None = None) -> dict:
    """Finalized, unpaid documents that charge a studio, by age since finalization, per currency."""
    today = today or timezone.localdate()
    rows = Invoice.objects.filter(
        status=InvoiceStatus.FINALIZED, document_type__in=[DocumentType.INVOICE, DocumentType.DEBIT_NOTE]
    ).values_list("finalized_at", "currency", "total")
    amounts: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    counts: Counter[tuple[str, str]] = Counter()
    currencies: set[str] = set()
    for finalized_at, currency, total in rows.iterator():
        age = (today - timezone.localdate(finalized_at)).days if finalized_at else 0
        key = (_bucket(age, INVOICE_AGES), currency)
        amounts[key] += total
        counts[key] += 1
        currencies.add(currency)
    return {
        "currencies": sorted(currencies),
        "rows": [
            {
                "age": label,
                "cells": [{"count": counts[(label, c)], "amount": amounts[(label, c)]} for c in sorted(currencies)],
            }
            for label, _, _ in INVOICE_AGES
        ],
        "totals": [
            {
                "count": sum(counts[(label, c)] for label, _, _ in INVOICE_AGES),
                "amount": sum((amounts[(label, c)] for label, _, _ in INVOICE_AGES), ZERO),
            }
            for c in sorted(currencies)
        ],
    }


def recent_billing_runs(limit: int = 10) -> list[BillingRun]:
    return list(BillingRun.objects.defer("errors").order_by("-created_at", "-id")[:limit])


def strikes_in_force() -> list[Strike]:
    return list(
        Strike.objects.filter(lifted_at__isnull=True)
        .select_related("agreement")
        .prefetch_related("studios", "jobs")
        .annotate(suspended=Count("suspensions"))
        .order_by("-starts_at")
    )


def monthly_fund_billing(months: list[dt.date]) -> dict[tuple[str, str], dict[dt.date, Decimal]]:
    """(fund, currency) -> month -> what the month's documents credited the fund, net of
    credit notes and voids (a fund is credited with negative postings)."""
    out: dict[tuple[str, str], dict[dt.date, Decimal]] = {}
    postings = Posting.objects.filter(
        account__kind=AccountKind.FUND,
        entry__invoice__period__gte=months[0],
        entry__invoice__period__lte=months[-1],
    ).values_list("account__code", "currency", "entry__invoice__period", "amount")
    for code, currency, period, amount in postings.iterator():
        fund = code.split(":")[1]
        series = out.setdefault((fund, currency), dict.fromkeys(months, ZERO))
        series[period] -= amount
    return dict(sorted(out.items()))


def monthly_synthetic_days(months: list[dt.date]) -> dict[dt.date, Decimal]:
    """Month -> days of synthetic performers standing in for union roles, as reported and not retracted."""
    out = dict.fromkeys(months, ZERO)
    lines = UsageLine.objects.filter(
        kind=UsageKind.SYNTHETIC_STANDIN,
        unit=UsageUnit.DAYS,
        use_date__gte=months[0],
        use_date__lt=_next_month(months[-1]),
    ).exclude(status=LineStatus.RETRACTED)
    for use_date, units in lines.values_list("use_date", "units").iterator():
        out[month_start(use_date)] += units
    return out


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


UNRATEABLE_LISTED = 20


def unrateable_lines() -> dict:
    """Accepted lines a billing run could not price: how many, and the oldest few (one page)."""
    lines = UsageLine.objects.filter(unrateable_since__isnull=False, status=LineStatus.ACCEPTED)
    return {
        "total": lines.count(),
        "oldest": list(
            lines.select_related("studio", "agreement").order_by("unrateable_since", "pk")[:UNRATEABLE_LISTED]
        ),
    }


@dataclass(frozen=True)
class Dashboard:
    grants: dict
    requests: dict
    cases: dict
    invoices: dict
    funds: list[dict]
    runs: list[BillingRun]
    strikes: list[Strike]
    months: list[dt.date]
    fund_billing: dict
    synthetic_days: dict
    unrateable: dict
    carried_rates: list


def dashboard(*, until: dt.date | None = None) -> Dashboard:
    """Everything on the staff dashboard; the charts cover the 12 months ending with `until`."""
    months = months_ending(until or timezone.localdate())
    return Dashboard(
        grants=grants_by_status_and_use(),
        requests=pending_requests(),
        cases=open_cases(),
        invoices=invoices_outstanding(),
        funds=fund_balances(),
        runs=recent_billing_runs(),
        strikes=strikes_in_force(),
        months=months,
        fund_billing=monthly_fund_billing(months),
        synthetic_days=monthly_synthetic_days(months),
        unrateable=unrateable_lines(),
        carried_rates=list(carried_forward_rates()),
    )


# --- Exports ----------------------------------------------------------------------------------
# Each export is a header and an iterator of rows read in chunks, so a year of usage streams
# out in constant memory; its source is the queryset of the records it reads, counted to choose
# between streaming it and writing it to a file in the background.
CHUNK = 2000


def _day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


GRANT_COLUMNS = [
    "grant", "lineage", "version", "status", "use", "performer", "member_number", "studio", "agreement",
    "project_kind", "project_title", "production_number", "term_start", "term_end", "signer_role",
    "activated_at", "ended_at",
]  # fmt: skip


def grants_source(start: dt.date, end: dt.date, fund: str = "") -> QuerySet:
    since, until = _day_range(start, end)
    return ConsentGrant.objects.filter(activated_at__gte=since, activated_at__lt=until)


def export_grants(start: dt.date, end: dt.date, fund: str = "") -> Iterator[list]:
    """Grant versions that became active in the period."""
    rows = (
        grants_source(start, end)
        .order_by("activated_at", "id")
        .values_list(
            "public_id",
            "lineage_id",
            "version",
            "status",
            "use",
            "performer__public_id",
            "performer__member_number",
            "studio__legal_name",
            "agreement__code",
            "project_kind",
            "project_title",
            "production_number",
            "term_start",
            "term_end",
            "signer_role",
            "activated_at",
            "ended_at",
        )
    )
    yield GRANT_COLUMNS
    yield from rows.iterator(chunk_size=CHUNK)


USAGE_COLUMNS = [
    "line", "report", "studio", "kind", "status", "performer", "member_number", "synthetic_performer",
    "grant", "agreement", "project_title", "production_number", "use_date", "units", "unit",
    "role_category", "estimated_days", "negotiated_amount", "currency", "violation_code", "retracted_at",
]  # fmt: skip


def usage_source(start: dt.date, end: dt.date, fund: str = "") -> QuerySet:
    return UsageLine.objects.filter(use_date__gte=start, use_date__lte=end)


def export_usage(start: dt.date, end: dt.date, fund: str = "") -> Iterator[list]:
    """Usage lines used in the period (by use date), whatever their status."""
    rows = (
        usage_source(start, end)
        .order_by("use_date", "id")
        .values_list(
            "line_ref",
            "report__public_id",
            "studio__legal_name",
            "kind",
            "status",
            "performer__public_id",
            "performer__member_number",
            "synthetic_performer__public_id",
            "grant__public_id",
            "agreement__code",
            "project_title",
            "production_number",
            "use_date",
            "units",
            "unit",
            "role_category",
            "estimated_days",
            "negotiated_amount",
            "currency",
            "violation_code",
            "retracted_at",
        )
    )
    yield USAGE_COLUMNS
    yield from rows.iterator(chunk_size=CHUNK)


INVOICE_COLUMNS = [
    "number", "document", "type", "status", "studio", "period", "currency", "performer_pay",
    "ph_contributions", "fund_royalties", "total", "corrects", "finalized_at", "paid_at", "voided_at",
]  # fmt: skip


def invoices_source(start: dt.date, end: dt.date, fund: str = "") -> QuerySet:
    return Invoice.objects.filter(period__gte=month_start(start), period__lte=end)


def export_invoices(start: dt.date, end: dt.date, fund: str = "") -> Iterator[list]:
    """Documents for the billing periods (months) that begin within the dates."""
    rows = (
        invoices_source(start, end)
        .order_by("period", "id")
        .values_list(
            "number",
            "public_id",
            "document_type",
            "status",
            "studio__legal_name",
            "period",
            "currency",
            "performer_pay",
            "ph_contributions",
            "fund_royalties",
            "total",
            "original__number",
            "finalized_at",
            "paid_at",
            "voided_at",
        )
    )
    yield INVOICE_COLUMNS
    yield from rows.iterator(chunk_size=CHUNK)


LEDGER_COLUMNS = [
    "entry",
    "posted_at",
    "memo",
    "document",
    "account",
    "account_kind",
    "amount",
    "currency",
    "posted_by",
]


def ledger_source(start: dt.date, end: dt.date, fund: str = "") -> QuerySet:
    since, until = _day_range(start, end)
    return Posting.objects.filter(entry__posted_at__gte=since, entry__posted_at__lt=until)


def export_ledger(start: dt.date, end: dt.date, fund: str = "") -> Iterator[list]:
    """Every posting of the journal entries posted in the period: positive debits, negative credits."""
    rows = (
        ledger_source(start, end)
        .order_by("entry__posted_at", "entry_id", "id")
        .values_list(
            "entry__public_id",
            "entry__posted_at",
            "entry__memo",
            "entry__invoice__number",
            "account__code",
            "account__kind",
            "amount",
            "currency",
            "entry__posted_by",
        )
    )
    yield LEDGER_COLUMNS
    yield from rows.iterator(chunk_size=CHUNK)


STATEMENT_COLUMNS = [
    "performer", "member_number", "legal_name", "period", "document", "studio", "project", "use", "use_date",
    "amount", "currency", "grant", "credit",
]  # fmt: skip


def statements_source(start: dt.date, end: dt.date, fund: str = "") -> QuerySet:
    return (
        InvoiceLine.objects.filter(
            invoice__period__gte=month_start(start), invoice__period__lte=end, invoice__status__in=ISSUED
        )
        .exclude(performer_pay=0)
        .exclude(performer__isnull=True)
    )


def export_statements(start: dt.date, end: dt.date, fund: str = "") -> Iterator[list]:
    """Every performer's statement lines on issued documents for the periods in the dates."""
    rows = (
        statements_source(start, end)
        .order_by("performer__member_number", "invoice__period", "usage_line__use_date", "id")
        .values_list(
            "performer__public_id",
            "performer__member_number",
            "performer__legal_name",
            "invoice__period",
            "invoice__number",
            "invoice__studio__legal_name",
            "usage_line__project_title",
            "usage_line__kind",
            "usage_line__use_date",
            "performer_pay",
            "invoice__currency",
            "token_jti",
            "is_credit",
        )
    )
    yield STATEMENT_COLUMNS
    for row in rows.iterator(chunk_size=CHUNK):
        row = list(row)
        row[3] = row[3].strftime("%Y-%m")
        yield row


REMITTANCE_COLUMNS = ["fund", "currency", "period", "studio", "document", "type", "amount"]


def remittance_source(start: dt.date, end: dt.date, fund: str = "") -> QuerySet:
    postings = Posting.objects.filter(
        account__kind=AccountKind.FUND,
        entry__invoice__period__gte=month_start(start),
        entry__invoice__period__lte=end,
    )
    return postings.filter(account__code__startswith=f"fund:{fund}:") if fund else postings


def export_remittance(start: dt.date, end: dt.date, fund: str = "") -> Iterator[list]:
    """What each fund is owed from each document of the periods: contributions and royalties
    credited to the fund (credit notes and voids count negative), one total row per fund and
    currency after its documents."""
    rows = remittance_source(start, end, fund).order_by(
        "account__code", "entry__invoice__period", "entry__invoice__studio__legal_name", "id"
    )
    yield REMITTANCE_COLUMNS
    current: tuple[str, str] | None = None
    total = ZERO
    for code, currency, period, studio, number, doc_type, amount in rows.values_list(
        "account__code",
        "currency",
        "entry__invoice__period",
        "entry__invoice__studio__legal_name",
        "entry__invoice__number",
        "entry__invoice__document_type",
        "amount",
    ).iterator(chunk_size=CHUNK):
        fund_code = code.split(":")[1]
        if current and current != (fund_code, currency):
            yield [current[0], current[1], "total", "", "", "", total]
            total = ZERO
        current = (fund_code, currency)
        total += -amount
        yield [fund_code, currency, period.strftime("%Y-%m"), studio, number, doc_type, -amount]
    if current:
        yield [current[0], current[1], "total", "", "", "", total]


def fund_codes() -> list[str]:
    """The funds the ledger knows, for the remittance form."""

    codes = LedgerAccount.objects.filter(kind=AccountKind.FUND).values_list("code", flat=True)
    return sorted({code.split(":")[1] for code in codes})


@dataclass(frozen=True)
class Export:
    rows: Callable[[dt.date, dt.date, str], Iterator[list]]  # the header first
    source: Callable[[dt.date, dt.date, str], QuerySet]  # the records read, one a row
    description: str


EXPORTS = {
    "grants": Export(export_grants, grants_source, "Consent grants activated in the period"),
    "usage": Export(export_usage, usage_source, "Usage lines by use date"),
    "invoices": Export(export_invoices, invoices_source, "Invoices, credit and debit notes for the billing periods"),
    "ledger": Export(export_ledger, ledger_source, "Ledger postings of entries posted in the period"),
    "statements": Export(export_statements, statements_source, "Performers' statement lines on issued documents"),
    "remittance": Export(export_remittance, remittance_source, "Contribution remittance per fund (with totals)"),
}


def export_size(kind: str, start: dt.date, end: dt.date, fund: str = "") -> int:
    """How many records an export reads: one COUNT, which decides whether it is streamed."""
    return EXPORTS[kind].source(start, end, fund).count()


def export_files(*, limit: int = 20) -> list[ExportFile]:
    """The latest export files, newest first, whoever asked for them: any staff member who may
    export may download another's (exports are the union's records, not a person's)."""
    return list(ExportFile.objects.select_related("requested_by").order_by("-created_at", "-id")[:limit])


def export_file_by_id(public_id: str) -> ExportFile | None:
    return ExportFile.objects.select_related("requested_by").filter(public_id=public_id).first()


def latest_chain_check() -> ChainCheck | None:
    """The audit chain check asked for last, under way or finished."""
    return ChainCheck.objects.select_related("requested_by").first()
