"""A document's lines as CSV, one row per line with its provenance, written as a stream: the
rows are read from the database a chunk at a time and sent as they are written, so a 70,000-line
invoice is never held in memory whole. The PDF beside it carries the totals by group.

On PostgreSQL the rows are written by the database itself (COPY ... TO STDOUT in CSV), which
formats a line about 20 times faster than building a model instance and a Python row for it
(73,460 lines: 4.5 s before, see docs/operators/benchmarks.md). Elsewhere (SQLite, the embedded
mode) the same rows are written here. Both follow one format, which a test holds byte for byte:
PostgreSQL's CSV (a field is quoted when it holds a comma, a quote, CR or LF; an empty field is
left bare), amounts with their two decimals, dates as ISO 8601, true/false."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connections
from django.db.models import Case as SqlCase
from django.db.models import CharField, F, Func, Q, QuerySet, Value
from django.db.models import When as SqlWhen
from django.db.models.functions import Cast, Concat, NullIf

from registry.billing import selectors
from registry.billing.models import Invoice, InvoiceLine
from registry.core.spreadsheet import FORMULA_START, as_text

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
# Lines read per round trip and written per chunk sent.
CHUNK_ROWS = 2000


# --- The format ---------------------------------------------------------------------------------
def _field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_row(values: list[str]) -> str:
    return ",".join(_field(v) for v in values) + "\n"


def _text(value: str | None) -> str:
    return as_text(value or "")


def _money(amount) -> str:
    return f"{amount:.2f}"


# --- Written here (any database) -------------------------------------------------------------------
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


def _lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    # The terms a line was priced by (JSON, the widest columns) are not in the CSV: left unread.
    return selectors.invoice_lines(invoice).defer("applied_terms__terms", "fund_shares")


def rows_written_here(invoice: Invoice) -> Iterator[str]:
    """The lines' rows, CHUNK_ROWS to a chunk, each built in Python from a model instance."""
    chunk: list[str] = []
    for line in _lines(invoice).iterator(chunk_size=CHUNK_ROWS):
        chunk.append(csv_row(_row(invoice, line)))
        if len(chunk) == CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


# --- Written by PostgreSQL ---------------------------------------------------------------------------
def _sql_text(field: str):
    """The field, guarded as _text guards it; NULL for empty (COPY writes '' as a quoted "")."""
    guarded = Q()
    for start in FORMULA_START:
        guarded |= Q(**{f"{field}__startswith": start})
    return NullIf(
        SqlCase(SqlWhen(guarded, then=Concat(Value("'"), F(field))), default=F(field), output_field=CharField()),
        Value(""),
    )


def _sql_plain(field: str):
    return NullIf(Cast(F(field), CharField()), Value(""))


def _sql_bool(field: str):
    return SqlCase(SqlWhen(**{field: True}, then=Value("true")), default=Value("false"), output_field=CharField())


def _sql_date(field: str):
    return Func(F(field), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())


def _sql_columns(invoice: Invoice) -> list:
    """Each CSV column as an SQL expression, in COLUMNS' order (numeric(…, 2) as text keeps its
    two decimals, as _money writes them)."""
    return [
        Value(invoice.number or invoice.public_id, output_field=CharField()),
        _sql_text("usage_line_ref"),
        _sql_plain("source_ref"),
        _sql_plain("charged_document_number"),
        _sql_bool("is_credit"),
        _sql_bool("is_adjustment"),
        _sql_plain("use"),
        _sql_text("project_title"),
        _sql_text("production_number"),
        _sql_plain("role"),
        _sql_date("use_date"),
        _sql_plain("performer_ref"),
        _sql_plain("token_jti"),
        _sql_plain("agreement_code"),
        _sql_plain("rate_card__role_category"),
        _sql_plain("rate_card__unit"),
        _sql_plain("rate_card__amount"),
        _sql_date("rate_card__effective_from"),
        _sql_text("description"),
        _sql_text("explanation"),
        _sql_plain("performer_pay"),
        _sql_plain("ph_contribution"),
        _sql_plain("fund_total"),
        _sql_plain("interest"),
        _sql_plain("total"),
        Value(invoice.currency, output_field=CharField()),
    ]


def rows_written_by_postgresql(invoice: Invoice) -> Iterator[bytes]:
    """The lines' rows as COPY writes them, CHUNK_ROWS to a chunk (COPY sends a message a row)."""
    lines = _lines(invoice)
    names = [f"csv_{i}" for i in range(len(COLUMNS))]
    query = lines.annotate(**dict(zip(names, _sql_columns(invoice), strict=True))).values_list(*names)
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    connection = connections[query.db]
    if connection.queries_logged:  # Django's cursor wrapper does not see COPY; the query log does
        connection.queries_log.append({"sql": f"{statement} -- {params!r}", "time": "0.000"})
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        chunk, rows = bytearray(), 0
        for data in copy:
            chunk += data
            rows += 1
            if rows == CHUNK_ROWS:
                yield bytes(chunk)
                chunk, rows = bytearray(), 0
        yield bytes(chunk)


def invoice_lines_csv(invoice: Invoice) -> Iterator[str | bytes]:
    """The header, then the lines in document order, in chunks of CHUNK_ROWS rows."""
    header = csv_row(COLUMNS)
    if connections[_lines(invoice).db].vendor == "postgresql":
        chunks: Iterator[str | bytes] = rows_written_by_postgresql(invoice)
    else:
        chunks = rows_written_here(invoice)
    first = next(chunks)
    yield header + (first.decode() if isinstance(first, bytes) else first)
    yield from chunks
