"""List, create and detach the monthly partitions of usage lines (PostgreSQL).

manage.py usage_partitions                 # the partitions, and lines waiting in the default one
manage.py usage_partitions --ensure        # what the daily beat task does, now
manage.py usage_partitions --detach 2025-01   # a past month, to archive (docs/operators/partitions.md)
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from registry.core.errors import DomainError
from registry.usage import partitions


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2025-01.") from exc


class Command(BaseCommand):
    help = "List, create (--ensure) or detach (--detach YYYY-MM) the monthly partitions of usage lines."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--ensure", action="store_true", help="create the partitions the beat task would")
        action.add_argument("--detach", metavar="YYYY-MM", help="detach a past month's partition")

    def handle(self, *args, **options):
        if not partitions.partitioned():
            raise CommandError("Usage lines are not partitioned on this database (SQLite keeps one table).")
        if options["detach"]:
            month = _month(options["detach"])
            try:
                table = partitions.detach_month(month)
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Detached {month:%Y-%m}: its lines are in table {table}, no longer in usage lines.")
            return
        if options["ensure"]:
            created = partitions.ensure_partitions()
            self.stdout.write(
                "Created: " + ", ".join(f"{m:%Y-%m}" for m in created) if created else "Every month has its partition."
            )
        for part in partitions.month_partitions():
            self.stdout.write(f"{part.month:%Y-%m}  {part.table}  ~{part.estimated_lines:,} lines")
        waiting = partitions.months_in_default()
        if waiting:
            self.stdout.write(
                "In the default partition (moved by --ensure or the daily task): "
                + ", ".join(f"{m:%Y-%m}" for m in waiting)
            )
