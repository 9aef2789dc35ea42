"""A trigram index on performers' legal names, so a staff search by part of a name
(`legal_name__icontains`, which PostgreSQL runs as UPPER(legal_name::text) LIKE UPPER('%…%'))
reads the index instead of every performer. PostgreSQL only, and only where the pg_trgm
extension can be created: without it (SQLite, the embedded mode, or a role that may not create
extensions) the search still works, by reading the table, and the migration says so."""

from django.db import DatabaseError, migrations, transaction

INDEX = "parties_performer_legal_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        # A savepoint: a refused CREATE EXTENSION must not abort the migration's transaction.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:  # a role that may not create it, or a server without the package
        print(f"\n  pg_trgm is not available ({exc}); performer name search reads the table.")
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON parties_performer USING gin (UPPER(legal_name::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0004_minor_set_aside_and_estate_searches"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
