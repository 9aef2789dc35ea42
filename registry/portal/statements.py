"""A performer's earnings statement as CSV and as PDF (fpdf2 core fonts: no files, no network)."""

from __future__ import annotations

import csv
import io

from fpdf import FPDF

from registry.core.spreadsheet import as_text

CSV_COLUMNS = [
    "document",
    "studio",
    "project",
    "use",
    "use_date",
    "amount",
    "currency",
    "grant",
    "explanation",
    "credit",
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text if _is_number(text) else as_text(text)  # negative amounts stay numbers


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def statement_csv(statement: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in statement["lines"]:
        writer.writerow([_cell(line[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _latin1(text: str) -> str:
    # Core PDF fonts are Latin-1; replace what they cannot draw rather than fail.
    return (
        str(text)
        .replace("×", "x")
        .replace("–", "-")
        .replace("…", "...")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def statement_pdf(statement: dict, *, performer_name: str, member_number: str) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(f"Earnings statement {statement['period']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in [
        ("Performer", f"{performer_name} ({member_number})"),
        ("Registry id", statement["performer"]),
        ("Period", statement["period"]),
    ]:
        pdf.cell(30, 6, _latin1(label))
        pdf.cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if not statement["lines"]:
        pdf.cell(0, 8, "Nothing was billed for you in this period.", new_x="LMARGIN", new_y="NEXT")
    else:
        widths = (22, 48, 60, 30, 30)
        pdf.set_font("Helvetica", "B", 9)
        for width, head in zip(widths, ("Date", "Studio", "Project", "Document", "Amount"), strict=True):
            pdf.cell(width, 7, head, border="B", align="R" if head == "Amount" else "L")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        for line in statement["lines"]:
            pdf.cell(widths[0], 5, line["use_date"].isoformat())
            pdf.cell(widths[1], 5, _latin1(line["studio"][:30]))
            pdf.cell(widths[2], 5, _latin1(line["project"][:40]))
            pdf.cell(widths[3], 5, _latin1(line["document"] or "-"))
            pdf.cell(
                widths[4], 5, f"{line['amount']:,.2f} {line['currency']}", align="R", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_text_color(90, 90, 90)
            pdf.cell(0, 4, _latin1(f"   {line['explanation'][:140]}"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    for currency, amount in sorted(statement["totals"].items()):
        pdf.cell(160, 6, f"Total ({currency})", align="R")
        pdf.cell(30, 6, f"{amount:,.2f}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
