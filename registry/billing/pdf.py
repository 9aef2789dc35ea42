"""Documents as PDF (fpdf2, core fonts: no font files, no network): an invoice, credit, debit or
residuals note with its totals by group, and a studio's statement of account.

A document's PDF carries its lines totalled by use kind, project, role and month
(registry.billing.selectors.invoice_summary), not each line: a studio's monthly invoice can have
70,000 lines, and the line-level detail with each line's provenance is the CSV beside it
(registry.billing.line_csv), whose address the PDF prints. Text is never cut: project names and
reasons wrap onto as many lines as they need, and the table breaks across pages between rows.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from registry.billing.models import Invoice
from registry.core.vocabulary.billing import AgingBucket, InvoiceStatus, LineCharge
from registry.core.vocabulary.terms import RoleCategory
from registry.core.vocabulary.usage import UsageKind

GREY = (90, 90, 90)
BLACK = (0, 0, 0)


def _latin1(text: str) -> str:
    # Core PDF fonts are Latin-1; replace what they cannot draw rather than fail.
    return text.replace("×", "x").replace("–", "-").replace("…", "...").encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*BLACK)


def _new_pdf() -> _Pdf:
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf


def _header(pdf: FPDF, title: str, facts: list[tuple[str, str]]) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in facts:
        pdf.cell(32, 6, _latin1(label))
        pdf.multi_cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT", align="L")  # reasons may wrap
    pdf.ln(4)


ROW_HEIGHT = 4.5


def _wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into the lines that fit a cell `width` mm wide in the current font: at
    spaces, and inside a word only when it is wider than a line. fpdf2's multi_cell does the
    same but measures the line again for every character it adds (0.7 ms a row: 0.85 s for an
    invoice of 1,199 groups); here each word is measured once, from the font's widths."""
    font, size = pdf.current_font, pdf.font_size_pt

    def measure(s: str) -> float:
        return font.get_text_width(s, size, None)[1] / pdf.k  # points to the page's unit

    room, space = width - 2 * pdf.c_margin, measure(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            w = measure(word)
            if line and used + space + w <= room:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                lines.append(line)
            while w > room and len(word) > 1:  # wider than a line: cut where it must be
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut]) > room:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                w = measure(word)
            line, used = word, w
        lines.append(line)
    return lines


def _table_heads(pdf: FPDF, widths: tuple, heads: tuple, right: tuple) -> None:
    """A table's column names (those in `right` aligned right), then the rows' font."""
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 7, head, border="B", align="R" if head in right else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)


def _table_row(pdf: FPDF, text: str, *, text_x: float, text_width: float, figures, heads) -> None:
    """One row of a table: `text` wrapped in its column, and the other cells, drawn by
    `figures()`, on its first line. A row that would not fit moves to the next page whole,
    under the column names again (`heads()`)."""
    lines = _wrapped(pdf, text, text_width)
    if pdf.will_page_break(ROW_HEIGHT * len(lines)):
        pdf.add_page()
        heads()  # and the rows' font again: the page's footer set its own
    y = pdf.get_y()
    figures()
    for i, line in enumerate(lines):
        pdf.set_xy(text_x, y + i * ROW_HEIGHT)
        pdf.cell(text_width, ROW_HEIGHT, line)
    pdf.set_xy(pdf.l_margin, y + len(lines) * ROW_HEIGHT)


def _percent(rate: str | None) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%" if rate else "-"


def _money(amount) -> str:
    return f"{amount:,.2f}"


def _label(vocabulary, value: str | None) -> str:
    if not value:
        return "-"
    return vocabulary(value).label if value in vocabulary.values else value


def _group_text(row: dict) -> str:
    """What a summary row totals, in words: the use, project and role of usage lines, or the
    kind of charge of the others."""
    if row["charge"] != LineCharge.USAGE:
        return _label(LineCharge, row["charge"])
    project = f"{row['project_title']} ({row['production_number']})" if row["project_title"] else "-"
    return f"{_label(UsageKind, row['use'])}: {project}; {_label(RoleCategory, row['role'])}"


def invoice_pdf(invoice: Invoice, *, summary: list[dict], lines_csv_url: str) -> bytes:
    """The document with its lines totalled by group (`summary`, from
    registry.billing.selectors.invoice_summary); every line is in the CSV at `lines_csv_url`."""
    pdf = _new_pdf()
    terms = invoice.payment_terms or {}
    facts = [
        ("Studio", f"{invoice.studio.legal_name} ({invoice.studio.public_id})"),
        ("Period", invoice.period.strftime("%Y-%m")),
        ("Status", invoice.get_status_display()),
        ("Issued", invoice.issue_date.isoformat() if invoice.issue_date else "-"),
        ("Due", invoice.due_date.isoformat() if invoice.due_date else "-"),
        (
            "Terms",
            f"{terms.get('days', '-')} days net; late interest {_percent(terms.get('late_interest_monthly_rate'))} a "
            f"month, simple, from the day after the due date ({terms.get('agreement') or 'registry default'}, "
            f"confidence {terms.get('confidence', '-')})"
            if terms
            else "-",
        ),
        ("Corrects", invoice.original.number if invoice.original_id else "-"),
        *([("Reason", invoice.reason)] if invoice.reason else []),
        *(
            [("VOID", f"{invoice.voided_at:%Y-%m-%d %H:%M UTC}: {invoice.void_reason}")]
            if invoice.status == InvoiceStatus.VOID and invoice.voided_at
            else []
        ),
    ]
    _header(pdf, f"{invoice.get_document_type_display()} {invoice.number or '(draft)'}", facts)
    line_count = sum(row["lines"] for row in summary)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        _latin1(
            f"{line_count:,} line{'s' if line_count != 1 else ''}, totalled below by use, project, role and month "
            f"of use. Every line with its provenance (usage line, grant, agreement, rate): {lines_csv_url}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    pdf.ln(2)
    widths = (86, 16, 14, 24, 22, 28)

    def heads():
        _table_heads(
            pdf,
            widths,
            ("Use, project, role", "Month", "Lines", "Pay", "P&H", "Total"),
            right=("Lines", "Pay", "P&H", "Total"),
        )

    heads()
    for row in summary:

        def figures(row=row):
            pdf.set_x(pdf.l_margin + widths[0])
            pdf.cell(widths[1], ROW_HEIGHT, row["month"].strftime("%Y-%m") if row["month"] else "-")
            pdf.cell(widths[2], ROW_HEIGHT, f"{row['lines']:,}", align="R")
            pdf.cell(widths[3], ROW_HEIGHT, _money(row["performer_pay"]), align="R")
            pdf.cell(widths[4], ROW_HEIGHT, _money(row["ph_contribution"]), align="R")
            pdf.cell(widths[5], ROW_HEIGHT, _money(row["total"]), align="R")

        _table_row(
            pdf, _latin1(_group_text(row)), text_x=pdf.l_margin, text_width=widths[0], figures=figures, heads=heads
        )
        pdf.ln(1)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    totals = [
        ("Performer pay", invoice.performer_pay),
        ("P&H contributions", invoice.ph_contributions),
        ("Union fund royalties", invoice.fund_royalties),
        *([("Late-payment interest", invoice.interest)] if invoice.interest else []),
        (f"Total ({invoice.currency})", invoice.total),
        *([(f"Balance due ({invoice.currency})", invoice.balance)] if invoice.issue_date else []),
    ]
    for label, amount in totals:
        pdf.cell(150, 6, label, align="R")
        pdf.cell(40, 6, _money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def statement_pdf(statement: dict) -> bytes:
    """A studio's statement of account (registry.billing.selectors.studio_statement) as PDF."""
    pdf = _new_pdf()
    currency = statement["currency"]
    _header(
        pdf,
        "Statement of account",
        [
            ("Studio", f"{statement['studio_name']} ({statement['studio']})"),
            ("Period", f"{statement['start'].isoformat()} to {statement['end'].isoformat()}"),
            ("Currency", currency),
            ("Opening balance", _money(statement["opening_balance"])),
        ],
    )
    widths = (22, 108, 30, 30)

    def heads():
        _table_heads(pdf, widths, ("Date", "Reference and detail", "Amount", "Balance"), right=("Amount", "Balance"))

    heads()
    for row in statement["rows"]:

        def figures(row=row):
            pdf.set_x(pdf.l_margin)
            pdf.cell(widths[0], ROW_HEIGHT, row["date"].isoformat())
            pdf.set_x(pdf.l_margin + widths[0] + widths[1])
            pdf.cell(widths[2], ROW_HEIGHT, _money(row["amount"]), align="R")
            pdf.cell(widths[3], ROW_HEIGHT, _money(row["balance"]), align="R")

        detail = f"{row['reference']}: {row['detail']}" + (
            f" (due {row['due_date'].isoformat()})" if row["due_date"] else ""
        )
        _table_row(
            pdf, _latin1(detail), text_x=pdf.l_margin + widths[0], text_width=widths[1], figures=figures, heads=heads
        )
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(160, 6, f"Closing balance ({currency})", align="R")
    pdf.cell(30, 6, _money(statement["closing_balance"]), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 6, f"Open balances by age on {statement['end'].isoformat()}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for bucket, amount in statement["aging"].items():
        pdf.cell(60, 5, _latin1(AgingBucket(bucket).label))
        pdf.cell(30, 5, _money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    for label, amount in [
        ("Open credit notes", statement["credit_notes_open"]),
        ("Payments not yet applied", statement["unapplied_payments"]),
    ]:
        pdf.cell(60, 5, label)
        pdf.cell(30, 5, _money(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
