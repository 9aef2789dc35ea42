"""Usage lines kept one partition a month of their use date on PostgreSQL (migration usage 0006;
how: registry/core/partitions.py).

Invoice lines and cases name a line by (id, use date), a composite foreign key: a line they name
stays in the partition it is in, and its month can be detached only when nothing names its lines.
"""

from __future__ import annotations

from registry.core.partitions import MonthlyTable, Reference
from registry.usage.models import UsageLine

USAGE_LINES = MonthlyTable(
    name="usage lines",
    table=UsageLine._meta.db_table,
    column="use_date",
    # Table names written out: billing and cases import usage, not the other way round.
    references=[
        Reference("billing_invoiceline", "invoice line", ("usage_line_id", "usage_line_use_date")),
        Reference("cases_case", "case", ("usage_line_id", "usage_line_use_date")),
    ],
)
