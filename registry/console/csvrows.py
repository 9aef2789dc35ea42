"""Export rows as CSV text a spreadsheet opens safely, for the streamed exports and the files."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from registry.core.spreadsheet import as_text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | int):
        return str(value)  # numbers stay numbers, negative amounts included
    return as_text(str(value))


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class _Echo:
    """csv.writer needs a file; this one hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line (with its line ending)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([_cell(_plain(value)) for value in row])
