"""The database refuses UPDATE, DELETE and TRUNCATE on the audit table.

The SQL is written out here, not imported, so this migration keeps doing what it did when the
app code changes. On SQLite, a later migration that rebuilds audit_auditevent (Django copies
the table for most ALTERs) drops these triggers and must recreate them; the tests catch it.
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    """
    CREATE FUNCTION audit_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        has_rows boolean;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            -- Truncating an empty table loses nothing; test suites flush that way.
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
                INTO has_rows;
            IF NOT has_rows THEN
                RETURN NULL;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit_event is append-only'
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Audit events are never changed or deleted; record a new event.';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()
    """,
    """
    CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER audit_auditevent_no_update
    BEFORE UPDATE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit_event is append-only');
    END
    """,
    """
    CREATE TRIGGER audit_auditevent_no_delete
    BEFORE DELETE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit_event is append-only');
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
]


def _statements(vendor, forward):
    if vendor == "postgresql":
        return POSTGRESQL_FORWARD if forward else POSTGRESQL_REVERSE
    if vendor == "sqlite":
        return SQLITE_FORWARD if forward else SQLITE_REVERSE
    raise NotImplementedError(
        f"The audit table's append-only triggers exist for PostgreSQL and SQLite, not {vendor}."
    )


def install_triggers(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, forward=True):
        # params=None: no placeholder parsing, the function body contains % characters.
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, forward=False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install_triggers, drop_triggers, elidable=False),
    ]
