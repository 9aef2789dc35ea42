"""Invoice lines name the terms they were priced by (AppliedTerms, once per document for the lines
that share them) instead of each carrying a copy, and carry its flat-fee flag for the partial
index of the charges that carry a grant's fee.

Every line is rewritten once (an UPDATE joining the terms made from the distinct copies of each
document): on PostgreSQL with years of lines, run it in a quiet hour. Reversible: the copies are
put back from the terms they name."""

import django.db.models.deletion
from django.db import migrations, models

FLAT_FEE = {
    "postgresql": "COALESCE(l.terms_used -> 'flat_fee' = 'true'::jsonb, false)",
    "sqlite": "COALESCE(json_type(l.terms_used, '$.flat_fee') = 'true', 0)",
}


def terms_to_their_own_rows(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_appliedterms (invoice_id, terms) "
            "SELECT DISTINCT invoice_id, terms_used FROM billing_invoiceline"
        )
        cursor.execute(
            f"UPDATE billing_invoiceline AS l SET applied_terms_id = a.id, flat_fee = {FLAT_FEE[connection.vendor]} "
            "FROM billing_appliedterms AS a WHERE a.invoice_id = l.invoice_id AND a.terms = l.terms_used"
        )
        _keys_checked_now(cursor, connection)


def terms_back_on_their_lines(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoiceline AS l SET terms_used = a.terms "
            "FROM billing_appliedterms AS a WHERE a.id = l.applied_terms_id"
        )
        _keys_checked_now(cursor, connection)


def _keys_checked_now(cursor, connection):
    # The table is altered next, which PostgreSQL refuses while checks of its keys are pending.
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0012_run_errors_by_studio"),
    ]

    operations = [
        migrations.CreateModel(
            name="AppliedTerms",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("terms", models.JSONField(help_text="The agreement terms applied, copied at rating time")),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="applied_terms",
                        to="billing.invoice",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "applied terms",
            },
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="applied_terms",
            field=models.ForeignKey(
                db_index=False,
                help_text="The agreement terms applied, copied at rating time (shared by the document's lines "
                "priced alike)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.appliedterms",
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="flat_fee",
            field=models.BooleanField(default=False, help_text="Its terms carried its grant's flat fee"),
        ),
        # Nullable while the copies move (and when they move back), dropped after.
        migrations.AlterField(
            model_name="invoiceline",
            name="terms_used",
            field=models.JSONField(help_text="The agreement terms applied, copied at rating time", null=True),
        ),
        migrations.RunPython(terms_to_their_own_rows, terms_back_on_their_lines),
        migrations.RemoveIndex(
            model_name="invoiceline",
            name="invoiceline_flat_fees",
        ),
        migrations.AddIndex(
            model_name="invoiceline",
            index=models.Index(
                condition=models.Q(
                    ("corrects__isnull", True), ("flat_fee", True), ("is_credit", False), ("released", False)
                ),
                fields=["grant"],
                name="invoiceline_flat_fees",
            ),
        ),
        migrations.RemoveField(
            model_name="invoiceline",
            name="terms_used",
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="applied_terms",
            field=models.ForeignKey(
                db_index=False,
                help_text="The agreement terms applied, copied at rating time (shared by the document's lines "
                "priced alike)",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.appliedterms",
            ),
        ),
    ]
