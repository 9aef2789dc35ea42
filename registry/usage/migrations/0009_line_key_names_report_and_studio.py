# A usage line's report and studio checked by one composite key on PostgreSQL (issue 24, item 4).
#
# Storing a line checks each of its foreign keys at commit, one lookup per key per line, and
# those checks were the larger part of PostgreSQL's time for a report (measured: a report of
# 1,000 lines, 21 µs a line of 38). The line's report and its studio were two keys; one key
# (report, studio) -> the report's (id, studio) checks both and says more: the line's studio is
# its report's. The report's (id, studio) is made unique for the key to name it.
# SQLite keeps no key on either: Django cannot declare a key of two columns.

import django.db.models.deletion
from django.db import migrations, models

KEY = "usage_line_report_of_studio"


def add_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE usage_usageline ADD CONSTRAINT {KEY} FOREIGN KEY (report_id, studio_id) "
            "REFERENCES usage_usagereport (id, studio_id) DEFERRABLE INITIALLY DEFERRED"
        )


def drop_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE usage_usageline DROP CONSTRAINT {KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0005_party_name_trigram"),
        ("usage", "0008_line_key_without_a_second_studio_index"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="usagereport",
            constraint=models.UniqueConstraint(fields=("id", "studio"), name="usage_report_with_studio"),
        ),
        migrations.AlterField(
            model_name="usageline",
            name="report",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="usage.usagereport",
            ),
        ),
        migrations.AlterField(
            model_name="usageline",
            name="studio",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="parties.studio",
            ),
        ),
        migrations.RunPython(add_key, drop_key),
    ]
