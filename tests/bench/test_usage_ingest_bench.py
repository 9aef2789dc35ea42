"""bench/usage_ingest's COPY baseline writes rows shaped like usage lines: a NOT NULL column it
does not fill stops the benchmark (issue 19's new columns did, unnoticed until it was run)."""

from __future__ import annotations

from bench import usage_ingest
from registry.usage.models import UsageLine

PER_ROW = {"line_ref", "kind", "use_date"}


def _columns() -> dict[str, bool]:
    """Each stored column of a usage line, and whether it may be empty (NULL)."""
    return {f.column: f.null for f in UsageLine._meta.concrete_fields if not f.primary_key}


def test_the_copy_baseline_fills_every_column_a_usage_line_requires():
    filled = PER_ROW | set(usage_ingest.BASELINE_FIXED) | set(usage_ingest.BASELINE_LEFT_EMPTY)
    required = {column for column, nullable in _columns().items() if not nullable}
    assert required <= filled, sorted(required - filled)


def test_the_copy_baseline_names_only_columns_usage_lines_have():
    named = PER_ROW | set(usage_ingest.BASELINE_FIXED) | set(usage_ingest.BASELINE_LEFT_EMPTY)
    assert named <= set(_columns()), sorted(named - set(_columns()))
