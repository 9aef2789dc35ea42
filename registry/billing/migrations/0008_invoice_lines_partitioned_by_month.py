# Invoice lines partitioned by month on PostgreSQL, following their usage lines (issue 24, item 1;
# docs/operators/partitions.md): `month` is the usage line's month of use, else the document's
# period. The primary key becomes (id, month); a usage line is billed once per (line, credit,
# month), the month being the line's own; a debit line names its charge by (corrects,
# corrects_month), a composite key Django cannot declare. A month of invoice lines can then leave
# the database with its usage lines. SQLite keeps one table.

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from registry.core.partitions import partition_table, unpartition_table

TABLE = "billing_invoiceline"
SELF_KEY = "invoice_line_corrects_fk"


def fill_months(apps, schema_editor):
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    InvoiceLine.objects.filter(usage_line_use_date__isnull=False).update(
        month=models.functions.TruncMonth("usage_line_use_date")
    )
    InvoiceLine.objects.filter(usage_line_use_date__isnull=True).update(
        month=models.Subquery(
            apps.get_model("billing", "Invoice").objects.filter(pk=models.OuterRef("invoice_id")).values("period")[:1]
        )
    )
    InvoiceLine.objects.filter(corrects__isnull=False).update(
        corrects_month=models.Subquery(
            InvoiceLine.objects.filter(pk=models.OuterRef("corrects_id")).values("month")[:1]
        )
    )
    if schema_editor.connection.vendor == "postgresql":
        # A debit line updated twice above queues its key checks to the commit, and ALTER TABLE
        # (next) refuses a table with checks waiting: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        partition_table(cursor, table=TABLE, column="month")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {SELF_KEY} FOREIGN KEY (corrects_id, corrects_month) "
            f"REFERENCES {TABLE} (id, month) MATCH FULL DEFERRABLE INITIALLY DEFERRED"
        )


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {SELF_KEY}")
        unpartition_table(cursor, table=TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_invoice_lines_name_usage_line_use_date"),
        ("usage", "0006_usage_lines_partitioned_by_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="month",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="corrects_month",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_months, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invoiceline",
            name="month",
            field=models.DateField(
                editable=False,
                help_text="The month the line is kept under: its usage line's month of use, else its document's period",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="For a debit note line: the charged line it adds to",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="debits",
                to="billing.invoiceline",
            ),
        ),
        migrations.RemoveConstraint(model_name="invoiceline", name="usage_line_billed_once"),
        migrations.RunPython(partition, unpartition),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("corrects__isnull", True), ("released", False)),
                fields=("usage_line", "is_credit", "month"),
                name="usage_line_billed_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("usage_line_use_date__isnull", True),
                    ("month", django.db.models.functions.datetime.TruncMonth("usage_line_use_date")),
                    _connector="OR",
                ),
                name="invoice_line_month_of_use",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("corrects__isnull", True), ("corrects_month__isnull", True)),
                    models.Q(("corrects__isnull", False), ("corrects_month__isnull", False)),
                    _connector="OR",
                ),
                name="invoice_line_correction_dated",
            ),
        ),
    ]
