"""An invoice, credit note or debit note as a PDF (fpdf2, core fonts: no font files, no network)."""

from __future__ import annotations

from fpdf import FPDF

from registry.billing.models import Invoice
from registry.core.vocabulary.billing import InvoiceStatus


def _latin1(text: str) -> str:
    # Core PDF fonts are Latin-1; replace what they cannot draw rather than fail.
    return text.replace("×", "x").replace("–", "-").replace("…", "...").encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(invoice: Invoice) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    title = f"{invoice.get_document_type_display()} {invoice.number or '(draft)'}"
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in [
        ("Studio", f"{invoice.studio.legal_name} ({invoice.studio.public_id})"),
        ("Period", invoice.period.strftime("%Y-%m")),
        ("Status", invoice.get_status_display()),
        ("Finalized", invoice.finalized_at.strftime("%Y-%m-%d %H:%M UTC") if invoice.finalized_at else "-"),
        ("Corrects", invoice.original.number if invoice.original_id else "-"),
        *([("Reason", invoice.reason)] if invoice.reason else []),
        *(
            [("VOID", f"{invoice.voided_at:%Y-%m-%d %H:%M UTC}: {invoice.void_reason}")]
            if invoice.status == InvoiceStatus.VOID and invoice.voided_at
            else []
        ),
    ]:
        pdf.cell(30, 6, _latin1(label))
        pdf.multi_cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")  # reasons may wrap
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    widths = (110, 25, 25, 30)
    for width, head in zip(widths, ("Line", "Pay", "P&H", "Total"), strict=True):
        pdf.cell(width, 7, head, border="B", align="L" if head == "Line" else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for line in invoice.lines.select_related("usage_line").order_by("id"):
        pdf.cell(widths[0], 5, _latin1(line.description[:75]))
        pdf.cell(widths[1], 5, f"{line.performer_pay:,.2f}", align="R")
        pdf.cell(widths[2], 5, f"{line.ph_contribution:,.2f}", align="R")
        pdf.cell(widths[3], 5, f"{line.total:,.2f}", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(90, 90, 90)
        pdf.cell(
            0,
            4,
            _latin1(f"   {line.explanation[:140]}  [grant {line.token_jti or '-'}]"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    for label, amount in [
        ("Performer pay", invoice.performer_pay),
        ("P&H contributions", invoice.ph_contributions),
        ("Union fund royalties", invoice.fund_royalties),
        (f"Total ({invoice.currency})", invoice.total),
    ]:
        pdf.cell(160, 6, label, align="R")
        pdf.cell(30, 6, f"{amount:,.2f}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
