"""Kept consent checks (DOMAIN.md 2.14), one partition a month of when they were made, on
PostgreSQL (migration consent 0006; how: registry/core/partitions.py).

The largest table at scale (docs/operators/capacity.md: hundreds of millions of checks a month),
and nothing points at a kept check: a month past the union's retention period is detached and
archived whole.
"""

from __future__ import annotations

from registry.consent.models import ConsentCheckRecord
from registry.core.partitions import MonthlyTable

KEPT_CHECKS = MonthlyTable(
    name="kept checks", table=ConsentCheckRecord._meta.db_table, column="checked_at", timestamp=True
)
