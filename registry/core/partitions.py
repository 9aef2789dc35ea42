"""Tables kept one partition a month on PostgreSQL (issue 24, item 1; docs/operators/partitions.md).

A table that grows by the month (usage lines by their use date, kept consent checks by when
they were made) is partitioned by range of that column: one partition a month, named
`<table>_p2026_12`, and a default partition, `<table>_default`, for rows no month partition
holds. A month then lives in a table of its own: vacuum and indexes work on a month at a time, a
query that names its dates reads only their months, and a month can be detached and archived
instead of deleted row by row.

Each such table is declared once, as a MonthlyTable in its app's `partitions` module (found the
way Django finds admin modules). The daily beat task (`core.ensure_partitions`) creates the
current month and the next MONTHS_AHEAD of each, and gives a month whose rows wait in the default
partition its own. `manage.py partitions` lists, ensures and detaches. Creating partitions is DDL:
it never runs in a request. SQLite (embedded mode) keeps single tables: every method says so and
does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from registry.core.errors import FieldProblem, InvalidInputError, StateConflictError

logger = logging.getLogger(__name__)

MONTHS_AHEAD = 3
# DDL waiting for a lock on the table makes every reader and writer that comes after it wait
# too: maintenance gives up instead, and the task tries again the next day.
LOCK_TIMEOUT = "5s"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_ahead(today: dt.date, ahead: int = MONTHS_AHEAD) -> list[dt.date]:
    """The month of `today` and the `ahead` months after it: those kept ready."""
    months = [first_of_month(today)]
    for _ in range(ahead):
        months.append(next_month(months[-1]))
    return months


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y_%m}"


def _bound(month: dt.date, *, timestamp: bool) -> str:
    """A month's first instant as a partition bound: a date, or midnight UTC for a timestamp."""
    return f"{month.isoformat()} 00:00:00+00" if timestamp else month.isoformat()


def _month_of(column: str, *, timestamp: bool) -> str:
    """SQL: the month (a date) a row of `column` belongs to."""
    at = f"({column} AT TIME ZONE 'UTC')" if timestamp else column
    return f"date_trunc('month', {at})::date"


def both_or_neither(key: str, partition_key: str) -> Q:
    """A row that names a row of a partitioned table names it by its id and its partition key:
    the two are set together or not at all (a check constraint, on both backends)."""
    return Q(**{f"{key}__isnull": True, f"{partition_key}__isnull": True}) | Q(
        **{f"{key}__isnull": False, f"{partition_key}__isnull": False}
    )


@dataclass(frozen=True)
class Reference:
    """A table whose rows name rows of a monthly table by (id, the partition column): its
    composite foreign key pins them where they are (see MonthlyTable.ensure_month)."""

    table: str
    label: str  # what one row is called: "invoice line"
    columns: tuple[str, str]  # (the id column, the date column)


@dataclass(frozen=True)
class MonthPartition:
    month: dt.date
    table: str
    estimated_rows: int


class MonthlyTable:
    """A table partitioned by month of one column (a date, or a timestamp taken in UTC)."""

    def __init__(self, *, name: str, table: str, column: str, timestamp: bool = False, references=()) -> None:
        self.name, self.table, self.column, self.timestamp = name, table, column, timestamp
        self.references: tuple[Reference, ...] = tuple(references)
        self.default = f"{table}_default"
        self._pattern = re.compile(rf"^{re.escape(table)}_p(\d{{4}})_(\d{{2}})$")
        # One maintainer of this table at a time (pg_advisory_xact_lock's key).
        self._lock_key = zlib.crc32(table.encode())
        _TABLES[name] = self

    def __repr__(self) -> str:
        return f"MonthlyTable({self.name}: {self.table} by {self.column})"

    # --- Reading -------------------------------------------------------------------------------
    def partitioned(self) -> bool:
        """Whether the table is partitioned here (PostgreSQL, after its migration)."""
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [self.table])
            row = cursor.fetchone()
        return bool(row) and row[0] == "p"

    def partition_name(self, month: dt.date) -> str:
        return partition_name(self.table, month)

    def month_partitions(self) -> list[MonthPartition]:
        """The attached month partitions, oldest first, with PostgreSQL's estimate of their rows
        (from the last ANALYZE: counting would read every month)."""
        if not self.partitioned():
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
                [self.table],
            )
            rows = cursor.fetchall()
        found = []
        for name, estimate in rows:
            if match := self._pattern.match(name):
                found.append(MonthPartition(dt.date(int(match[1]), int(match[2]), 1), name, estimate))
        return found

    def months_in_default(self) -> list[dt.date]:
        """The months of rows that wait in the default partition for their own."""
        if not self.partitioned():
            return []
        with connection.cursor() as cursor:
            month = _month_of(self.column, timestamp=self.timestamp)
            cursor.execute(f"SELECT DISTINCT {month} FROM {self.default} ORDER BY 1")  # noqa: S608 (our own names)
            return [row[0] for row in cursor.fetchall()]

    # --- Maintaining ---------------------------------------------------------------------------
    def ensure_partitions(self, *, today: dt.date | None = None, ahead: int = MONTHS_AHEAD) -> list[dt.date]:
        """Give the current month, the next `ahead` and every month waiting in the default
        partition a partition of its own; returns the months created (oldest first)."""
        if not self.partitioned():
            return []
        wanted = set(self.months_in_default()) | set(months_ahead(today or timezone.localdate(), ahead))
        return [m for m in sorted(wanted) if self.ensure_month(m)]

    def ensure_month(self, month: dt.date) -> bool:
        """Create the month's partition if it is missing (True when created), moving into it the
        month's rows that wait in the default partition.

        A waiting row that another table already names (a Reference) cannot move: PostgreSQL
        checks a foreign key to a partitioned table against the partition the row left, and a
        delete from the default partition is a delete there. Such a month keeps its rows in the
        default partition (read like any other) and gets no partition of its own; this is
        logged. Rows reach the default partition only with dates before the first month
        partitioned, or past the months created ahead."""
        month = first_of_month(month)
        name, until = self.partition_name(month), next_month(month)
        bounds = [self._bound(month), self._bound(until)]
        within = f"{self.column} >= %s AND {self.column} < %s"
        with transaction.atomic(), connection.cursor() as cursor, self._maintaining(cursor):
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if cursor.fetchone()[0]:
                return False
            if self.references:
                named = " OR ".join(
                    f"EXISTS (SELECT 1 FROM {r.table} r WHERE r.{r.columns[0]} = d.id "  # noqa: S608
                    f"AND r.{r.columns[1]} = d.{self.column})"
                    for r in self.references
                )
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.default} d WHERE {within} AND ({named}))", bounds)  # noqa: S608
                if cursor.fetchone()[0]:
                    logger.warning(
                        "%s of %s in the default partition are named elsewhere: left there", self.name, month
                    )
                    return False
            cursor.execute(f"CREATE TABLE {name} (LIKE {self.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            cursor.execute(
                f"WITH moved AS (DELETE FROM {self.default} WHERE {within} RETURNING *) "  # noqa: S608
                f"INSERT INTO {name} SELECT * FROM moved",
                bounds,
            )
            # ATTACH checks the rows against the bounds (and the default partition against them).
            # DDL takes no parameters: the bounds are written from dates computed here.
            cursor.execute(
                f"ALTER TABLE {self.table} ATTACH PARTITION {name} FOR VALUES FROM ('{bounds[0]}') TO ('{bounds[1]}')"
            )
        return True

    def detach_month(self, month: dt.date, *, today: dt.date | None = None) -> str:
        """Detach a past month's partition (to archive it: see the operators' guide) and return
        its table's name. Refused for the current month or later, for a month with no partition,
        and while a Reference names its rows (their foreign keys would dangle)."""
        if not self.partitioned():
            raise StateConflictError(f"{self.name} are not partitioned on this database (SQLite keeps one table).")
        month = first_of_month(month)
        if month >= first_of_month(today or timezone.localdate()):
            raise InvalidInputError(
                "Only a past month can be detached.",
                problems=[FieldProblem("month", "not_past", "The current month and later months stay attached.")],
            )
        name, until = self.partition_name(month), next_month(month)
        with transaction.atomic(), connection.cursor() as cursor, self._maintaining(cursor):
            cursor.execute(
                "SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass(%s) AND inhrelid = to_regclass(%s)",
                [self.table, name],
            )
            if cursor.fetchone() is None:
                raise StateConflictError(f"No partition of {self.name} holds {month:%Y-%m}.", month=f"{month:%Y-%m}")
            referenced = []
            for r in self.references:
                cursor.execute(
                    f"SELECT count(*) FROM {r.table} WHERE {r.columns[1]} >= %s AND {r.columns[1]} < %s",  # noqa: S608
                    [self._bound(month), self._bound(until)],
                )
                if count := cursor.fetchone()[0]:
                    referenced.append(f"{count:,} {r.label}{'' if count == 1 else 's'}")
            if referenced:
                raise StateConflictError(
                    f"{self.name.capitalize()} of {month:%Y-%m} are named by {' and '.join(referenced)}: "
                    "the month stays attached.",
                    month=f"{month:%Y-%m}",
                )
            cursor.execute(f"ALTER TABLE {self.table} DETACH PARTITION {name}")
            # An archive keeps no foreign keys: they would hold the rows it names in place (a
            # detached month of invoice lines would keep its usage lines' month from leaving).
            # Dropping a key alters the table it points at, which PostgreSQL refuses while checks
            # deferred to the commit wait on it: they run now (in a transaction of its own, none wait).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
                [name],
            )
            for (key,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {name} DROP CONSTRAINT "{key}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return name

    # --- Helpers -------------------------------------------------------------------------------
    def _bound(self, month: dt.date) -> str:
        return _bound(month, timestamp=self.timestamp)

    @contextmanager
    def _maintaining(self, cursor) -> Iterator[None]:
        """This table's maintenance lock, and a lock timeout for the DDL under it."""
        cursor.execute("SHOW lock_timeout")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [self._lock_key])
            yield
        finally:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])


_TABLES: dict[str, MonthlyTable] = {}


# --- Used by migrations (a table's move to partitions and back): change with care -------------
def partition_table(cursor, *, table: str, column: str, timestamp: bool = False, today: dt.date | None = None) -> None:
    """Rebuild `table` as partitioned by month of `column`, under an exclusive lock: a partition
    for every month that holds rows, the current month and the next MONTHS_AHEAD, and a default
    partition. Ids, columns, defaults, checks, indexes (with their names) and outgoing foreign
    keys are kept; the primary key becomes (id, column). Unique indexes must already include
    `column`, and no foreign key may point at the table (the caller drops and re-adds them)."""
    old = f"{table}_unpartitioned"
    cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = %s::regclass", [table])
    if cursor.fetchone()[0]:
        raise RuntimeError(f"{table} is referenced by a foreign key: drop it before partitioning")
    indexes, foreign_keys = _set_aside(cursor, table, old)
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
        f"PARTITION BY RANGE ({column})"
    )
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {column})")
    cursor.execute(f"SELECT DISTINCT {_month_of(column, timestamp=timestamp)} FROM {old}")  # noqa: S608
    months = {row[0] for row in cursor.fetchall()} | set(months_ahead(today or dt.date.today()))
    for month in sorted(months):
        start, end = _bound(month, timestamp=timestamp), _bound(next_month(month), timestamp=timestamp)
        name = partition_name(table, month)
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{start}') TO ('{end}')")
    cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    _move_rows(cursor, table, old)
    _restore(cursor, table, indexes, foreign_keys)


def unpartition_table(cursor, *, table: str) -> None:
    """The reverse of partition_table: one table again, rows, ids, indexes and keys kept."""
    old = f"{table}_unpartitioned"
    indexes, foreign_keys = _set_aside(cursor, table, old)
    cursor.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)")
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)")
    _move_rows(cursor, table, old)
    _restore(cursor, table, [(n, d.replace(" ON ONLY ", " ON ")) for n, d in indexes], foreign_keys)


def _set_aside(cursor, table: str, old: str) -> tuple[list, list]:
    """Rename the table out of the way and free its index names; return what to rebuild."""
    # ALTER TABLE refuses a table with checks deferred to the commit (rows a data migration just
    # wrote twice): run them now. The rebuild's own keys are added after its rows, so none wait.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        # Declared keys only: a key to a partitioned table has a clone per partition it points
        # at (conparentid set), which PostgreSQL makes again with the key.
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    cursor.execute(f"ALTER TABLE {old} RENAME CONSTRAINT {table}_pkey TO {old}_pkey")
    cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'", [old])
    if cursor.fetchone()[0]:
        raise RuntimeError(f"{table} has unique constraints: remove them first and add them back after")
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return indexes, foreign_keys


def _restore(cursor, table: str, indexes: list, foreign_keys: list) -> None:
    """Indexes and foreign keys, after the rows: each index built once, each key checked in one
    pass (deferred keys would otherwise queue a check per row, which ALTER TABLE refuses).
    The definitions were read before the rename: they name the table as it is now again."""
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(f"ANALYZE {table}")


def _move_rows(cursor, table: str, old: str) -> None:
    """Copy the rows (ids kept), let new ids continue where the old table's left off (past any id
    it ever gave, stored or not: an id once handed out may be named somewhere), drop the old table."""
    cursor.execute(f"INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {old}")  # noqa: S608
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [old])
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value + 1 FROM {sequence}")  # noqa: S608 (PostgreSQL's own name)
    after_sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {old}")  # noqa: S608
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {max(after_sequence, cursor.fetchone()[0])}")
    cursor.execute(f"DROP TABLE {old}")


def monthly_tables() -> dict[str, MonthlyTable]:
    """Every table kept by month, by name (each app declares its own in `<app>/partitions.py`)."""
    autodiscover_modules("partitions")
    return dict(sorted(_TABLES.items()))
