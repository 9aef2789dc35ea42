"""A document's lines as CSV, one row per line with its provenance, written as a stream: the
rows are read from the database a chunk at a time and sent as they are written, so a 70,000-line
invoice is never held in memory whole. The PDF beside it carries the totals by group."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from registry.billing import selectors
from registry.billing.models import Invoice, InvoiceLine

COLUMNS = [
    "document",
    "usage_line",
    "source",
    "charged_document",
    "is_credit",
    "is_adjustment",
    "use",
    "project_title",
    "production_number",
    "role",
    "use_date",
    "performer",
    "grant",
    "agreement",
    "rate_role_category",
    "rate_unit",
    "rate_amount",
    "rate_effective_from",
    "description",
    "explanation",
    "performer_pay",
    "ph_contribution",
    "fund_total",
    "interest",
    "total",
    "currency",
]
# Lines read per round trip (a server-side cursor on PostgreSQL) and written per chunk sent.
CHUNK_ROWS = 2000


def _text(value: str | None) -> str:
    # A studio's own text (line ids, descriptions) that a spreadsheet would run as a formula is
    # quoted as text.
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _money(amount) -> str:
    return f"{amount:.2f}"


def _row(invoice: Invoice, line: InvoiceLine) -> list[str]:
    rc = line.rate_card
    return [
        invoice.number or invoice.public_id,
        _text(line.usage_line_ref),
        line.source_ref,
        line.charged_document_number or "",
        "true" if line.is_credit else "false",
        "true" if line.is_adjustment else "false",
        line.use or "",
        _text(line.project_title),
        _text(line.production_number),
        line.role or "",
        line.use_date.isoformat() if line.use_date else "",
        line.performer_ref or "",
        line.token_jti,
        line.agreement_code or "",
        rc.role_category if rc else "",
        rc.unit if rc else "",
        _money(rc.amount) if rc else "",
        rc.effective_from.isoformat() if rc else "",
        _text(line.description),
        _text(line.explanation),
        _money(line.performer_pay),
        _money(line.ph_contribution),
        _money(line.fund_total),
        _money(line.interest),
        _money(line.total),
        invoice.currency,
    ]


def invoice_lines_csv(invoice: Invoice) -> Iterator[str]:
    """The header, then the lines in document order, in chunks of CHUNK_ROWS rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    # The terms a line was priced by (JSON, the widest columns) are not in the CSV: left unread,
    # rather than decoded for every line.
    lines = selectors.invoice_lines(invoice).defer("terms_used", "fund_shares")
    for n, line in enumerate(lines.iterator(chunk_size=CHUNK_ROWS), start=1):
        writer.writerow(_row(invoice, line))
        if n % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
