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
# SQLite keeps one table. The rebuild is registry/core/partitions.py's partition_table.

from django.db import migrations, models

from registry.core.partitions import partition_table, unpartition_table

TABLE = "usage_usageline"
REFERENCING = [
    # (table, constraint, columns): the composite foreign keys to usage lines.
    ("billing_invoiceline", "invoice_line_usage_line_fk", "usage_line_id, usage_line_use_date"),
    ("cases_case", "case_usage_line_fk", "usage_line_id, usage_line_use_date"),
]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        partition_table(cursor, table=TABLE, column="use_date")
        for table, name, columns in REFERENCING:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) "
                f"REFERENCES {TABLE} (id, use_date) MATCH FULL DEFERRABLE INITIALLY DEFERRED"
            )


def unpartition(apps, schema_editor):
    """Back to one table (rows, ids, indexes and keys kept), for a migration rolled back."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, name, _ in REFERENCING:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        unpartition_table(cursor, table=TABLE)


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
