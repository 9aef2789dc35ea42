"""An invoice line names the terms it was priced by (AppliedTerms), kept once per document for the
lines priced alike rather than copied onto each line; the line's flat-fee flag comes from them.
Migration billing 0013 moves the copies lines carried into such rows and back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from registry.billing import selectors
from registry.billing.documents import DocumentLines
from registry.billing.models import AppliedTerms, Invoice, InvoiceLine
from registry.core.bulk import EncodedJson
from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report
from tests.billing.test_flat_fees import FEE, training_line

pytestmark = pytest.mark.django_db
SEPTEMBER = dt.date(2025, 9, 1)  # a draft of its own beside the August invoice


@pytest.fixture
def shared_and_flat(billed_studio, performer, tvth, django_capture_on_commit_callbacks) -> Invoice:
    """Three replica lines of one grant (priced alike) and a training line whose grant's flat
    fee it carries, billed on one invoice."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    flat = past_grant(billed_studio.studio, performer.performer, tvth, use="training", own_daily=FEE, unit="flat")
    report(
        billed_studio.studio,
        [
            *(replica_line(f"L-{day}", grant, dt.date(2025, 8, day)) for day in (4, 12, 20)),
            training_line("T-1", flat, dt.date(2025, 8, 13)),
        ],
    )
    bill(AUGUST, django_capture_on_commit_callbacks)
    return Invoice.objects.get(document_type="invoice")


def lines_by_ref(invoice: Invoice) -> dict[str, InvoiceLine]:
    return {line.usage_line.line_ref: line for line in invoice.lines.select_related("usage_line", "applied_terms")}


def test_lines_priced_alike_share_one_copy_of_their_terms(shared_and_flat):
    lines = lines_by_ref(shared_and_flat)

    assert AppliedTerms.objects.filter(invoice=shared_and_flat).count() == 2
    assert len({lines[f"L-{day}"].applied_terms_id for day in (4, 12, 20)}) == 1
    assert lines["T-1"].applied_terms_id != lines["L-4"].applied_terms_id
    assert lines["L-4"].terms_used["agreement"] == "tvth-2023"
    assert lines["L-4"].terms_used["rule"]["scale"] == "day_performer/day"
    assert lines["T-1"].terms_used["compensation"]["unit"] == "flat"
    # The flag the index of fee-carrying charges reads is the terms' own.
    assert {ref: line.flat_fee for ref, line in lines.items()} == {
        "L-4": False,
        "L-12": False,
        "L-20": False,
        "T-1": True,
    }
    assert {ref: line.terms_used["flat_fee"] for ref, line in lines.items()} == {
        ref: line.flat_fee for ref, line in lines.items()
    }


def test_a_page_of_lines_reads_their_terms_in_the_same_query(shared_and_flat):
    with CaptureQueriesContext(connection) as read:
        terms = [line.terms_used["agreement"] for line in selectors.invoice_lines(shared_and_flat)]

    assert terms == ["tvth-2023"] * 4 and len(read) == 1


def _rows(invoice: Invoice, model_line: InvoiceLine, terms: list[dict | EncodedJson]) -> list[dict]:
    """Rows as `invoice_line` gives them: the model line's values, each with its terms."""
    values = {
        f.attname: getattr(model_line, f.attname)
        for f in InvoiceLine._meta.concrete_fields
        if f.attname not in ("id", "applied_terms_id", "flat_fee", "usage_line_id", "usage_line_use_date")
    }
    return [
        {**values, "invoice_id": invoice.pk, "usage_line_id": None, "usage_line_use_date": None, "terms_used": t}
        for t in terms
    ]


def test_a_batch_stores_its_new_terms_in_one_statement_and_names_known_ones_without_one(august_invoice):
    model_line = august_invoice.lines.get()
    draft = Invoice.objects.create(
        studio=august_invoice.studio, period=SEPTEMBER, currency="USD", created_at=august_invoice.created_at
    )
    shared = EncodedJson.of({"agreement": "a", "flat_fee": True})
    writer = DocumentLines(draft)

    with CaptureQueriesContext(connection) as first:
        writer.write(_rows(draft, model_line, [shared, {"agreement": "b"}, shared, {"agreement": "b"}]))
    with CaptureQueriesContext(connection) as again:
        writer.write(_rows(draft, model_line, [shared, {"agreement": "b"}]))

    stored = AppliedTerms.objects.filter(invoice=draft)
    assert sorted(t["agreement"] for t in stored.values_list("terms", flat=True)) == ["a", "b"]
    inserts = [q["sql"] for q in first if "billing_appliedterms" in q["sql"]]
    assert len(inserts) == 1
    assert not [q for q in again if "billing_appliedterms" in q["sql"]]
    written = list(draft.lines.select_related("applied_terms").order_by("id"))
    assert [line.terms_used["agreement"] for line in written] == ["a", "b", "a", "b", "a", "b"]
    assert [line.flat_fee for line in written] == [True, False, True, False, True, False]


def test_terms_forgotten_past_the_bound_are_stored_again_never_shared_wrongly(august_invoice):
    model_line = august_invoice.lines.get()
    draft = Invoice.objects.create(
        studio=august_invoice.studio, period=SEPTEMBER, currency="USD", created_at=august_invoice.created_at
    )
    writer = DocumentLines(draft, limit=1)

    for batch in ([{"n": 1}, {"n": 2}], [{"n": 3}], [{"n": 1}]):
        writer.write(_rows(draft, model_line, batch))

    written = list(draft.lines.select_related("applied_terms").order_by("id"))
    assert [line.terms_used["n"] for line in written] == [1, 2, 3, 1]
    assert AppliedTerms.objects.filter(invoice=draft).count() == 4  # {"n": 1} again, once forgotten


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_lines_copies_into_shared_terms_and_back(require_postgres, shared_and_flat):
    before = {
        ref: (line.terms_used, line.flat_fee, line.performer_pay)
        for ref, line in lines_by_ref(shared_and_flat).items()
    }
    executor = MigrationExecutor(connection)
    executor.migrate([("billing", "0012_run_errors_by_studio")])
    with connection.cursor() as cursor:  # the copies are back on their lines
        cursor.execute(
            "SELECT u.line_ref, l.terms_used FROM billing_invoiceline l "
            "JOIN usage_usageline u ON u.id = l.usage_line_id AND u.use_date = l.usage_line_use_date"
        )
        assert {ref: json.loads(terms) for ref, terms in cursor.fetchall()} == {
            ref: terms for ref, (terms, _, _) in before.items()
        }
        cursor.execute("SELECT to_regclass('billing_appliedterms')")
        assert cursor.fetchone() == (None,)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    after = {
        ref: (line.terms_used, line.flat_fee, line.performer_pay)
        for ref, line in lines_by_ref(shared_and_flat).items()
    }
    assert after == before
    assert AppliedTerms.objects.filter(invoice=shared_and_flat).count() == 2
    assert before["T-1"][1] and not before["L-4"][1]


def test_staff_read_a_lines_terms_on_its_admin_page(shared_and_flat, admin_client):
    line = lines_by_ref(shared_and_flat)["T-1"]

    page = admin_client.get(f"/admin/billing/invoiceline/{line.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "terms used" in html.lower()
    assert "&quot;flat_fee&quot;: true" in html and "&quot;agreement&quot;: &quot;tvth-2023&quot;" in html
