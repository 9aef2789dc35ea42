# Usage lines partitioned by use month on PostgreSQL (issue 24, item 1; docs/operators/capacity.md).
#
# PostgreSQL asks three things of a partitioned table, and this migration answers them:
# - its primary key and unique indexes include the partition key: the key is (id, use_date), and
#   a studio's line ids are kept unique by the new UsageLineKey table instead of an index here;
# - a foreign key to it names (id, use_date): invoice lines and cases carry the line's use date
#   (billing 0007, cases 0003, which also dropped their single-column keys) and get composite
#   keys here, which Django cannot declare;
# - every row has a partition: one per month that holds lines, the current one and the next
#   three, and a default partition for dates outside them (the beat task moves those rows into
#   their month's partition when it creates it: registry/usage/partitions.py).
# SQLite keeps one table. The SQL is written out here, not imported, so that this migration does
# what it did when it was written.

import datetime as dt

from django.db import migrations, models

TABLE = "usage_usageline"
OLD = "usage_usageline_unpartitioned"
MONTHS_AHEAD = 3
REFERENCING = [
    # (table, constraint, columns): the composite foreign keys to usage lines.
    ("billing_invoiceline", "invoice_line_usage_line_fk", "usage_line_id, usage_line_use_date"),
    ("cases_case", "case_usage_line_fk", "usage_line_id, usage_line_use_date"),
]


def _month_name(month: dt.date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        run = cursor.execute
        run(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        run(f"SELECT count(*) FROM pg_constraint WHERE confrelid = '{TABLE}'::regclass")
        if cursor.fetchone()[0]:
            raise RuntimeError(f"{TABLE} is still referenced by a foreign key: billing 0007 and cases 0003 drop them")
        # The indexes and constraints to carry over, as PostgreSQL itself writes them.
        run(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            f"WHERE indrelid = '{TABLE}'::regclass AND NOT indisprimary"
        )
        indexes = cursor.fetchall()
        run(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = '{TABLE}'::regclass AND contype = 'f'"
        )
        foreign_keys = cursor.fetchall()
        run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        run(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
        for name, _ in indexes:
            run(f'DROP INDEX "{name}"')  # names are the schema's: the new table takes them over
        # Columns, defaults, NOT NULL and checks; the id keeps counting from the old table's.
        run(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
            "PARTITION BY RANGE (use_date)"
        )
        run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, use_date)")
        for _, definition in indexes:
            run(definition.replace(f" ON public.{OLD} ", f" ON public.{TABLE} ").replace(f" ON {OLD} ", f" ON {TABLE} "))
        for name, definition in foreign_keys:
            run(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        run(f"SELECT DISTINCT date_trunc('month', use_date)::date FROM {OLD}")
        months = {row[0] for row in cursor.fetchall()}
        month = dt.date.today().replace(day=1)
        for _ in range(MONTHS_AHEAD + 1):
            months.add(month)
            month = _next_month(month)
        for month in sorted(months):
            run(
                f"CREATE TABLE {_month_name(month)} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{_next_month(month).isoformat()}')"
            )
        run(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        run(f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {OLD}")
        run(f"SELECT coalesce(max(id), 0) + 1 FROM {OLD}")
        run(f"ALTER TABLE {TABLE} ALTER COLUMN id RESTART WITH {cursor.fetchone()[0]}")
        run(f"DROP TABLE {OLD}")
        run(f"ANALYZE {TABLE}")
        for table, name, columns in REFERENCING:
            run(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) "
                f"REFERENCES {TABLE} (id, use_date) MATCH FULL DEFERRABLE INITIALLY DEFERRED"
            )


def unpartition(apps, schema_editor):
    """Back to one table (the rows, indexes and keys kept), for a migration rolled back."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        run = cursor.execute
        for table, name, _ in REFERENCING:
            run(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        run(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            f"WHERE indrelid = '{TABLE}'::regclass AND NOT indisprimary"
        )
        indexes = cursor.fetchall()
        run(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = '{TABLE}'::regclass AND contype = 'f'"
        )
        foreign_keys = cursor.fetchall()
        run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        run(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
        for name, _ in indexes:
            run(f'DROP INDEX "{name}"')
        run(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)")
        run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        run(f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {OLD}")
        run(f"SELECT coalesce(max(id), 0) + 1 FROM {OLD}")
        run(f"ALTER TABLE {TABLE} ALTER COLUMN id RESTART WITH {cursor.fetchone()[0]}")
        for _, definition in indexes:
            run(definition.replace(f" ON ONLY public.{OLD} ", f" ON public.{TABLE} ").replace(f" ON public.{OLD} ", f" ON public.{TABLE} "))
        for name, definition in foreign_keys:
            run(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        run(f"DROP TABLE {OLD} CASCADE")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_invoice_lines_name_usage_line_use_date"),
        ("cases", "0003_cases_name_usage_line_use_date"),
        ("parties", "0005_party_name_trigram"),
        ("usage", "0005_line_studio_keyset_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="UsageLineKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "studio", "line_ref", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "studio",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to="parties.studio",
                    ),
                ),
                ("line_ref", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO usage_usagelinekey (studio_id, line_ref) SELECT studio_id, line_ref FROM usage_usageline",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RemoveConstraint(model_name="usageline", name="usage_line_ref_unique_per_studio"),
        migrations.RunPython(partition, unpartition),
    ]
