# Kept consent checks partitioned by month of checked_at on PostgreSQL (issue 24;
# docs/operators/partitions.md): the primary key becomes (id, checked_at), and a check's ref is
# unique with its checked_at (a unique index must include the partition key). Nothing points at a
# kept check, so no foreign key changes. SQLite keeps one table.

from django.db import migrations, models

from registry.core.partitions import partition_table, unpartition_table

TABLE = "consent_consentcheckrecord"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            partition_table(cursor, table=TABLE, column="checked_at", timestamp=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            unpartition_table(cursor, table=TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0005_consent_scope_and_check_records"),
        ("parties", "0005_party_name_trigram"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consentcheckrecord",
            name="ref",
            field=models.CharField(help_text="Written once: a replayed flush skips it", max_length=32),
        ),
        migrations.RunPython(partition, unpartition),
        migrations.AddConstraint(
            model_name="consentcheckrecord",
            constraint=models.UniqueConstraint(fields=("ref", "checked_at"), name="check_record_written_once"),
        ),
    ]
