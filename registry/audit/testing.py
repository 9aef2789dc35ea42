"""Test-suite helpers that step around the audit table's append-only triggers.

Never call these from application code. They need the table owner's privileges, and each runs
in one transaction, so other sessions never see the triggers missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from registry.audit.models import AuditEvent

TABLE = AuditEvent._meta.db_table


@contextmanager
def append_only_triggers_disabled(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside the block, UPDATE and DELETE on the audit table are allowed again."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(TABLE)
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            # SQLite cannot disable a trigger: drop them and recreate them from their own SQL.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            raise NotImplementedError(f"No audit triggers on {connection.vendor}.")


def purge_audit_log(using: str = DEFAULT_DB_ALIAS) -> None:
    """Empty the audit table, e.g. before a transactional test's flush (which would be refused)."""
    with append_only_triggers_disabled(using), connections[using].cursor() as cursor:
        # The table name is the model's own, quoted: nothing here comes from input.
        cursor.execute(f"DELETE FROM {connections[using].ops.quote_name(TABLE)}")  # noqa: S608
