"""Usage lines' monthly partitions on PostgreSQL (issue 24, item 1).

Migration usage 0006 made `usage_usageline` a table partitioned by range of `use_date`: one
partition a month (`usage_usageline_p2026_12`) and a default partition for dates no month
partition holds. A month's lines then live in a table of their own: vacuum and indexes work on a
month at a time, a query naming the dates reads only their months, and a month can be detached
from the table and archived instead of deleted row by row.

Months are created ahead by the beat task (`usage.ensure_partitions`, daily): the current month
and the next MONTHS_AHEAD. A report may carry older dates (late usage) or dates past those: their
lines land in the default partition, and the next run gives their month its partition and moves
them in. Creating partitions is DDL, so it never runs in a request.

SQLite (embedded mode) keeps one table: every function here says so and does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError
from registry.usage.models import UsageLine

TABLE = UsageLine._meta.db_table
DEFAULT = f"{TABLE}_default"
MONTHS_AHEAD = 3
logger = logging.getLogger(__name__)
_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")
# Partition maintenance of this table, one at a time (pg_advisory_xact_lock's key).
_LOCK_KEY = 0x75736167  # "usag"
LOCK_TIMEOUT = "5s"
# The tables whose rows name a usage line, by (usage_line_id, usage_line_use_date).
REFERENCING = ("billing_invoiceline", "cases_case")


@dataclass(frozen=True)
class MonthPartition:
    month: dt.date
    table: str
    estimated_lines: int


def partitioned() -> bool:
    """Whether usage lines are partitioned here (PostgreSQL after usage 0006)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_partitions() -> list[MonthPartition]:
    """The attached month partitions, oldest first, with PostgreSQL's estimate of their rows
    (from the last ANALYZE: reading counts would cost a scan of every month)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [TABLE],
        )
        rows = cursor.fetchall()
    found = []
    for name, estimate in rows:
        match = _NAME.match(name)
        if match:
            found.append(MonthPartition(dt.date(int(match[1]), int(match[2]), 1), name, estimate))
    return found


def months_in_default() -> list[dt.date]:
    """The months of lines that wait in the default partition for their own."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT date_trunc('month', use_date)::date FROM {DEFAULT} ORDER BY 1")  # noqa: S608 (our own table's name)
        return [row[0] for row in cursor.fetchall()]


def ensure_partitions(*, today: dt.date | None = None, ahead: int = MONTHS_AHEAD) -> list[dt.date]:
    """Give the current month, the next `ahead` and every month waiting in the default partition
    a partition of its own; returns the months created (oldest first)."""
    if not partitioned():
        return []
    month = first_of_month(today or timezone.localdate())
    wanted = set(months_in_default())
    for _ in range(ahead + 1):
        wanted.add(month)
        month = next_month(month)
    return [m for m in sorted(wanted) if ensure_month(m)]


def ensure_month(month: dt.date) -> bool:
    """Create the month's partition if it is missing (True when created), moving into it the
    month's lines that wait in the default partition.

    A waiting line that an invoice line or a case already names cannot move: PostgreSQL checks
    a foreign key to a partitioned table against the partition the row left, and a delete from
    the default partition is a delete there. Such a month keeps its lines in the default
    partition (still read and billed as any) and gets no partition of its own; the daily task
    logs it. Lines reach the default partition only with dates before the first month
    partitioned (migration usage 0006 gave every month then held its partition) or past the
    months created ahead."""
    month = first_of_month(month)
    name, until = partition_name(month), next_month(month)
    bounds = [month, until]
    with transaction.atomic(), connection.cursor() as cursor, _lock_timeout(cursor):
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        named = " OR ".join(
            f"EXISTS (SELECT 1 FROM {table} r WHERE r.usage_line_id = d.id AND r.usage_line_use_date = d.use_date)"  # noqa: S608
            for table in REFERENCING
        )
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} d WHERE d.use_date >= %s AND d.use_date < %s AND ({named}))",  # noqa: S608
            bounds,
        )
        if cursor.fetchone()[0]:
            logger.warning("usage lines of %s in the default partition are billed or in cases: left there", month)
            return False
        cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE use_date >= %s AND use_date < %s RETURNING *) "  # noqa: S608
            f"INSERT INTO {name} SELECT * FROM moved",
            bounds,
        )
        # ATTACH checks the rows against the bounds (and the default partition against them):
        # written as literals, since DDL takes no parameters (dates we computed, not input).
        cursor.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name} "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{until.isoformat()}')"
        )
    return True


@contextmanager
def _lock_timeout(cursor) -> Iterator[None]:
    """Give up rather than queue: DDL waiting for a lock on the table makes every reader and
    writer that comes after it wait too. The task tries again the next day."""
    cursor.execute("SHOW lock_timeout")
    before = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])


def detach_month(month: dt.date, *, today: dt.date | None = None) -> str:
    """Detach a past month's partition from usage lines (to archive it: see the operators'
    guide) and return its table's name. Refused for the current month or later, for a month with
    no partition, and while invoice lines or cases name its lines (their foreign keys would
    dangle: those records stay as long as the union keeps its books)."""
    if not partitioned():
        raise StateConflictError("Usage lines are not partitioned on this database (SQLite keeps one table).")
    month = first_of_month(month)
    if month >= first_of_month(today or timezone.localdate()):
        raise InvalidInputError(
            "Only a past month can be detached.",
            problems=[FieldProblem("month", "not_past", "The current month and later months stay attached.")],
        )
    name = partition_name(month)
    with transaction.atomic(), connection.cursor() as cursor, _lock_timeout(cursor):
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute(
            "SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass(%s) AND inhrelid = to_regclass(%s)", [TABLE, name]
        )
        if cursor.fetchone() is None:
            raise StateConflictError(f"No partition of usage lines holds {month:%Y-%m}.", month=f"{month:%Y-%m}")
        referenced = []
        for label, table in zip(("invoice line", "case"), REFERENCING, strict=True):
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE usage_line_use_date >= %s AND usage_line_use_date < %s",  # noqa: S608
                [month, next_month(month)],
            )
            count = cursor.fetchone()[0]
            if count:
                referenced.append(f"{count:,} {label}{'' if count == 1 else 's'}")
        if referenced:
            raise StateConflictError(
                f"Lines of {month:%Y-%m} are named by {' and '.join(referenced)}: the month stays attached.",
                month=f"{month:%Y-%m}",
            )
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
    return name
