"""A grant's flat fee is owed once (registry/terms/pricing.py `signed_price`): the first line
billed under the grant carries it, later lines are rated at nothing, and when the carrying line
stops standing (retracted and credited, or its invoice voided) the next line billed carries it.
A run asks which of its grants' fees are already carried for those grants only
(`rating_inputs.FlatFeesCarried`), not by reading every charge the studio was ever billed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.billing import services
from registry.billing.models import Invoice, InvoiceLine
from registry.billing.rating_inputs import FlatFeesCarried
from registry.consent import rules
from registry.usage.models import UsageLine
from registry.usage.services import LineInput, usage_line_retract
from tests.billing.conftest import AUGUST, PICTURE, bill, past_grant, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = dt.date(2025, 9, 1), dt.date(2025, 10, 1)
FEE = Decimal("25000.00")


@pytest.fixture
def flat_grant(billed_studio, performer, tvth):
    return past_grant(billed_studio.studio, performer.performer, tvth, use="training", own_daily=FEE, unit="flat")


def training_line(ref: str, grant, day: dt.date, project=PICTURE) -> LineInput:
    return LineInput(
        line_ref=ref,
        kind="training_use",
        project=project,
        use_date=day,
        units=Decimal("1"),
        unit="runs",
        grant_ref=grant.public_id,
        media=("streaming",),
        territory=("US",),
    )


def report_two_august_lines(studio, grant) -> None:
    report(
        studio, [training_line("L-1", grant, dt.date(2025, 8, 12)), training_line("L-2", grant, dt.date(2025, 8, 14))]
    )


def pay(ref: str) -> Decimal:
    """What the standing charge of line `ref` pays the performer."""
    return InvoiceLine.objects.get(
        usage_line__line_ref=ref, is_credit=False, released=False, corrects__isnull=True
    ).performer_pay


def test_the_first_line_carries_the_fee_and_later_lines_and_months_are_rated_at_nothing(
    billed_studio, flat_grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    report_two_august_lines(studio, flat_grant)
    bill(AUGUST, django_capture_on_commit_callbacks)
    assert (pay("L-1"), pay("L-2")) == (FEE, Decimal("0.00"))

    report(studio, [training_line("L-3", flat_grant, dt.date(2025, 9, 3))], ref="r-2")
    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    assert pay("L-3") == Decimal("0.00")
    assert "flat fee already charged" in InvoiceLine.objects.get(usage_line__line_ref="L-3").explanation


def test_when_the_carrying_line_is_retracted_the_next_line_billed_carries_the_fee(
    billed_studio, flat_grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    report_two_august_lines(studio, flat_grant)
    bill(AUGUST, django_capture_on_commit_callbacks)
    usage_line_retract(line=UsageLine.objects.get(line_ref="L-1"), reason="Reported by error", actor=SYSTEM)
    report(studio, [training_line("L-3", flat_grant, dt.date(2025, 9, 3))], ref="r-2")

    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    note = Invoice.objects.get(period=SEPTEMBER, document_type="credit_note")
    assert note.lines.get().usage_line.line_ref == "L-1"
    assert pay("L-3") == FEE  # L-2 stays as charged: a standing charge is never re-rated


def test_when_the_carrying_invoice_is_voided_its_lines_are_billed_again_and_the_first_carries_the_fee(
    billed_studio, flat_grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    report_two_august_lines(studio, flat_grant)
    bill(AUGUST, django_capture_on_commit_callbacks)
    august = Invoice.objects.get(period=AUGUST, document_type="invoice")
    services.invoice_void(invoice=august, actor=SYSTEM, reason="Issued to the wrong entity")

    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    assert (pay("L-1"), pay("L-2")) == (FEE, Decimal("0.00"))
    assert InvoiceLine.objects.get(usage_line__line_ref="L-1", released=False).invoice.period == SEPTEMBER


def test_one_grants_fee_carried_does_not_cover_another_grant(
    billed_studio, performer, flat_grant, tvth, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    other_project = rules.Project(kind="picture", title="Harbour Lights", production_number="HL-2025-001")
    other = past_grant(
        studio,
        performer.performer,
        tvth,
        use="training",
        own_daily=Decimal("9000.00"),
        unit="flat",
        project=other_project,
    )
    report(studio, [training_line("L-1", flat_grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    report(studio, [training_line("L-2", other, dt.date(2025, 9, 2), project=other_project)], ref="r-2")

    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    assert (pay("L-1"), pay("L-2")) == (FEE, Decimal("9000.00"))


def test_the_lookup_asks_about_the_grants_named_once_each(
    billed_studio, flat_grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    report(studio, [training_line("L-1", flat_grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    carried = FlatFeesCarried()

    with CaptureQueriesContext(connection) as first:
        carried.learn([flat_grant.pk, flat_grant.pk + 1000])
    with CaptureQueriesContext(connection) as again:
        carried.learn([flat_grant.pk])

    assert len(first) == 1 and len(again) == 0
    assert carried.carried(flat_grant.pk) and not carried.carried(flat_grant.pk + 1000)
    carried.charge(flat_grant.pk + 1000)  # a fee this run charged
    assert carried.carried(flat_grant.pk + 1000)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's partitioned invoice lines")
def test_the_lookup_reads_the_partial_index_of_fee_carrying_charges(
    billed_studio, flat_grant, django_capture_on_commit_callbacks
):
    """Among 20,000 of the grant's charges that carry no flat fee, PostgreSQL reads the one
    that does from its partial index: the lookup's condition implies the index's."""
    report(billed_studio.studio, [training_line("L-1", flat_grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    table = InvoiceLine._meta.db_table
    columns = [f.column for f in InvoiceLine._meta.concrete_fields if f.column not in ("id", "flat_fee")]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        # Copies of the charge, as the grant's later lines that carried no fee (no usage line:
        # a copy may not charge L-1 twice).
        copies = listed.replace("usage_line_id", "NULL").replace("usage_line_use_date", "NULL")
        cursor.execute(
            f"INSERT INTO {table} ({listed}, flat_fee) "
            f"SELECT {copies}, false FROM {table}, generate_series(1, 20000) n"
        )
        cursor.execute(f"ANALYZE {table}")
        with CaptureQueriesContext(connection) as lookup:
            FlatFeesCarried().learn([flat_grant.pk])
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'invoiceline_flat_fees'"
        )
        partition_indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute("EXPLAIN " + lookup.captured_queries[0]["sql"])
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert partition_indexes and any(name in plan for name in partition_indexes), plan
