"""Text written into CSV files that people open in spreadsheets.

A cell starting with one of FORMULA_START is run as a formula by spreadsheets (OWASP "CSV
injection"); names, projects, line ids and descriptions come from studios and performers, so
such a cell is written with a leading apostrophe, which makes it text. Every CSV the registry
writes guards its text this way (registry/billing/line_csv.py also in SQL, from the same tuple).
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """`value`, with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value
