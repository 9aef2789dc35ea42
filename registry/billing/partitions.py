"""Invoice lines kept one partition a month on PostgreSQL (migration billing 0008; how:
registry/core/partitions.py), following their usage lines: a line's month is its usage line's
month of use, or its document's period for a line that bills no usage (residuals, interest).

A month of invoice lines leaves the database before its usage lines (their foreign keys point
at the usage lines); a debit line sits in its charge's month, and names it by (id, month).
"""

from __future__ import annotations

from registry.billing.models import InvoiceLine
from registry.core.partitions import MonthlyTable, Reference

INVOICE_LINES = MonthlyTable(
    name="invoice lines",
    table=InvoiceLine._meta.db_table,
    column="month",
    references=[Reference(InvoiceLine._meta.db_table, "debit line", ("corrects_id", "corrects_month"))],
)
