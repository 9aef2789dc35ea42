"""Documents as PDF (fpdf2, core fonts: no font files, no network): an invoice, credit, debit or
residuals note with each line's provenance, and a studio's statement of account.

Text is never cut: descriptions, explanations and provenance wrap (multi_cell) onto as many
lines as they need, and the table breaks across pages.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from registry.billing.models import Invoice, InvoiceLine
from registry.core.vocabulary.billing import AgingBucket, InvoiceStatus

GREY = (90, 90, 90)
BLACK = (0, 0, 0)


def _latin1(text: str) -> str:
    # Core PDF fonts are Latin-1; replace what they cannot draw rather than fail.
    return text.replace("×", "x").replace("–", "-").replace("…", "...").encode("latin-1", "replace").decode("latin-1")


def line_provenance(line: InvoiceLine) -> list[str]:
    """What a line rests on, in full, one fact an item: the studio's usage-line id, the agreement,
    the rate row (amount and effective date), the grant (the token's jti), or for a residuals line
    the distribution or licence it bills, and for an interest line the document that bore it.
    The one place that decides what the PDF says about a line's provenance: extend it here."""
    facts = []
    if line.usage_line_id:
        facts.append(f"Usage line: {line.usage_line.line_ref}")
    if line.source_ref:
        facts.append(f"Residuals: {line.source_ref}")
    if line.charged_document_id:
        facts.append(f"Overdue document: {line.charged_document.number}")
    if line.agreement_id:
        facts.append(f"Agreement: {line.agreement.name} ({line.agreement.code})")
    if line.rate_card_id:
        rc = line.rate_card
        facts.append(
            f"Rate: {rc.get_role_category_display()} {rc.amount:,.2f} {rc.currency} per {rc.unit}, "
            f"effective {rc.effective_from.isoformat()}"
        )
    if line.token_jti:
        facts.append(f"Grant/token: {line.token_jti}")
    return facts


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


def _percent(rate: str | None) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%" if rate else "-"


def _money(amount) -> str:
    return f"{amount:,.2f}"


def invoice_pdf(invoice: Invoice) -> bytes:
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
    widths = (100, 25, 25, 40)
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, ("Line", "Pay", "P&H", "Total"), strict=True):
        pdf.cell(width, 7, head, border="B", align="L" if head == "Line" else "R")
    pdf.ln()
    lines = invoice.lines.select_related("usage_line", "agreement", "rate_card", "charged_document").order_by("id")
    for line in lines:
        pdf.set_font("Helvetica", "", 8)
        if pdf.will_page_break(14):
            pdf.add_page()
        # Amounts on the line's first row, then the description wrapped beside them.
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin + widths[0])
        pdf.cell(widths[1], 4.5, _money(line.performer_pay), align="R")
        pdf.cell(widths[2], 4.5, _money(line.ph_contribution), align="R")
        pdf.cell(widths[3], 4.5, _money(line.total), align="R")
        pdf.set_xy(pdf.l_margin, y)
        pdf.multi_cell(widths[0], 4.5, _latin1(line.description), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(*GREY)
        pdf.set_font("Helvetica", "", 7)
        for text in [line.explanation, "; ".join(line_provenance(line))]:
            if text:
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(0, 3.8, _latin1(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(*BLACK)
        pdf.ln(1.5)
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
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, ("Date", "Reference and detail", "Amount", "Balance"), strict=True):
        pdf.cell(width, 7, head, border="B", align="R" if head in ("Amount", "Balance") else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for row in statement["rows"]:
        if pdf.will_page_break(9):
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(widths[0], 4.5, row["date"].isoformat())
        pdf.set_x(pdf.l_margin + widths[0] + widths[1])
        pdf.cell(widths[2], 4.5, _money(row["amount"]), align="R")
        pdf.cell(widths[3], 4.5, _money(row["balance"]), align="R")
        pdf.set_xy(pdf.l_margin + widths[0], y)
        detail = f"{row['reference']}: {row['detail']}" + (
            f" (due {row['due_date'].isoformat()})" if row["due_date"] else ""
        )
        pdf.multi_cell(widths[1], 4.5, _latin1(detail), new_x="LMARGIN", new_y="NEXT", align="L")
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
