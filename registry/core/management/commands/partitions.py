"""List, create and detach the monthly partitions of the tables kept by month (PostgreSQL).

manage.py partitions                                 # every monthly table's partitions
manage.py partitions --ensure                        # what the daily beat task does, now
manage.py partitions --detach "kept checks" 2025-01  # a past month, to archive (docs/operators/partitions.md)
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from registry.core.errors import DomainError
from registry.core.partitions import monthly_tables


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2025-01.") from exc


class Command(BaseCommand):
    help = "List, create (--ensure) or detach (--detach TABLE YYYY-MM) the monthly partitions."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--ensure", action="store_true", help="create the partitions the beat task would")
        action.add_argument(
            "--detach", nargs=2, metavar=("TABLE", "YYYY-MM"), help='detach a past month, e.g. "usage lines" 2025-01'
        )

    def handle(self, *args, **options):
        tables = monthly_tables()
        if not any(table.partitioned() for table in tables.values()):
            raise CommandError("Nothing is partitioned on this database (SQLite keeps single tables).")
        if options["detach"]:
            name, month = options["detach"]
            if name not in tables:
                raise CommandError(f"{name!r} is not kept by month: one of {', '.join(map(repr, tables))}.")
            month = _month(month)
            try:
                detached = tables[name].detach_month(month)
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Detached {name} of {month:%Y-%m}: they are in table {detached}, to archive.")
            return
        for name, table in tables.items():
            self.stdout.write(f"{name} ({table.table}, by {table.column}):")
            if options["ensure"]:
                created = table.ensure_partitions()
                self.stdout.write(
                    "  created " + ", ".join(f"{m:%Y-%m}" for m in created) if created else "  none to create"
                )
            for part in table.month_partitions():
                self.stdout.write(f"  {part.month:%Y-%m}  {part.table}  ~{part.estimated_rows:,} rows")
            if waiting := table.months_in_default():
                self.stdout.write(
                    "  in the default partition (moved by --ensure or the daily task): "
                    + ", ".join(f"{m:%Y-%m}" for m in waiting)
                )
