"""Where a billing run starts reading a studio's lines (billable.reading, UnbilledMark): a run
reads from the oldest line that may still be unbilled, so its cost follows its month, not the
studio's history. Late lines, voided documents and lines a run could not rate move the mark
back; tests/billing/test_billing_properties.py checks it against reading everything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Max

from registry.billing import billable, services
from registry.billing.models import Invoice, InvoiceLine, UnbilledMark
from registry.usage.models import UsageLine
from registry.usage.partitions import USAGE_LINES
from tests.billing.conftest import AUGUST, bill, past_grant, refused_while_a_run_holds, replica_line, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = dt.date(2025, 9, 1), dt.date(2025, 10, 1)


@pytest.fixture
def grant(billed_studio, performer, tvth):
    """The worked example: a grant, and one line used on 2025-08-12."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    return grant


def mark_of(studio) -> tuple[dt.date, int]:
    return UnbilledMark.objects.values_list("unbilled_from", "lines_through").get(studio=studio)


def newest_line(studio) -> int:
    return UsageLine.objects.filter(studio=studio).aggregate(newest=Max("pk"))["newest"]


def test_a_studio_never_billed_is_read_from_its_first_line(billed_studio, grant):
    studio = billed_studio.studio
    assert billable.reading(studio.pk) == billable.Reading(None, newest_line(studio))


def test_a_run_marks_the_day_after_its_period_and_the_lines_it_saw(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    report(studio, [replica_line("L-sep", grant, dt.date(2025, 9, 3), days="1")], ref="r-sep")

    bill(AUGUST, django_capture_on_commit_callbacks)

    # August's line billed; September's line, already reported, is at or after the mark
    assert mark_of(studio) == (SEPTEMBER, newest_line(studio))
    assert billable.reading(studio.pk).read_from == SEPTEMBER


def test_the_next_run_reads_from_the_mark_only(billed_studio, grant, django_capture_on_commit_callbacks):
    """The mark is trusted: a line before it is not read. (A wrong mark would leave such a line
    unbilled, which is why every way a line becomes unbilled again moves it back, below.)"""
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    august_line = UsageLine.objects.get(line_ref="L-1")
    Invoice.objects.filter(studio=studio).update(status="void")  # a test's shortcut, past the void service
    InvoiceLine.objects.filter(usage_line=august_line).update(released=True)
    assert billable.unbilled_lines(SEPTEMBER, studio_id=studio.pk).filter(pk=august_line.pk).exists()

    run, _ = services.billing_run_start(period=SEPTEMBER, actor=SYSTEM)

    assert services.billing_run_plan(run_id=run.pk) == []  # nothing to bill from September on
    services.bill_studio(run_id=run.pk, studio_id=studio.pk)  # and billing the studio anyway bills nothing
    assert not Invoice.objects.filter(period=SEPTEMBER).exists()
    assert mark_of(studio)[0] == OCTOBER


def test_a_late_line_is_read_from_its_own_date(billed_studio, grant, django_capture_on_commit_callbacks):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    report(studio, [replica_line("L-late", grant, dt.date(2025, 8, 20), days="1")], ref="r-late")

    # the mark still says September, but the line stored since reaches back to its use date
    assert mark_of(studio)[0] == SEPTEMBER
    assert billable.reading(studio.pk) == billable.Reading(dt.date(2025, 8, 20), newest_line(studio))


def test_rerunning_a_billed_period_leaves_its_late_lines_to_the_next_run(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    report(studio, [replica_line("L-late", grant, dt.date(2025, 8, 20), days="1")], ref="r-late")

    # when August is billed again: its invoice exists, so the late line is not read
    bill(AUGUST, django_capture_on_commit_callbacks)
    assert Invoice.objects.filter(studio=studio).count() == 1

    # then the mark does not pass it, and September's run bills it as an adjustment
    assert mark_of(studio)[0] <= dt.date(2025, 8, 20)
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    adjustment = Invoice.objects.get(period=SEPTEMBER).lines.get()
    assert (adjustment.usage_line.line_ref, adjustment.is_adjustment) == ("L-late", True)
    assert mark_of(studio)[0] == OCTOBER


def test_voiding_moves_the_mark_back_to_the_oldest_released_line(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    report(studio, [replica_line("L-2", grant, dt.date(2025, 8, 28), days="1")], ref="r-2")
    bill(AUGUST, django_capture_on_commit_callbacks)
    assert mark_of(studio)[0] == SEPTEMBER

    services.invoice_void(invoice=Invoice.objects.get(), actor=SYSTEM, reason="Billed to the wrong entity")

    assert mark_of(studio)[0] == dt.date(2025, 8, 12)  # the worked example's line, the older of the two
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    assert Invoice.objects.get(period=SEPTEMBER).lines.count() == 2


def test_a_void_never_moves_the_mark_forward(billed_studio, grant, django_capture_on_commit_callbacks):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    UnbilledMark.objects.filter(studio=studio).update(unbilled_from=dt.date(2025, 7, 1))

    services.invoice_void(invoice=Invoice.objects.get(), actor=SYSTEM, reason="Billed to the wrong entity")

    assert mark_of(studio)[0] == dt.date(2025, 7, 1)


def test_the_plan_counts_each_studio_from_its_mark(billed_studio, grant, django_capture_on_commit_callbacks):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    run, _ = services.billing_run_start(period=SEPTEMBER, actor=SYSTEM)

    # nothing reported since August's run: September's plan has no studio to bill
    assert services.billing_run_plan(run_id=run.pk) == []

    # a late line: the plan finds the studio again
    report(studio, [replica_line("L-late", grant, dt.date(2025, 8, 20), days="1")], ref="r-late")
    run, _ = services.billing_run_start(period=OCTOBER, actor=SYSTEM)
    assert services.billing_run_plan(run_id=run.pk) == [studio.pk]


def partitions_read(queryset) -> set[str]:
    with connection.cursor() as cursor:
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN (COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {word for word in plan.replace("(", " ").split() if word.startswith(f"{USAGE_LINES.table}_")}


def test_a_run_reads_only_the_months_from_the_mark(require_postgres, billed_studio, grant):
    """On PostgreSQL the mark is a constant of the query: months before it are not read."""
    studio = billed_studio.studio
    report(studio, [replica_line("L-sep", grant, dt.date(2025, 9, 3), days="1")], ref="r-sep")
    for month in (dt.date(2025, 7, 1), AUGUST, SEPTEMBER):
        USAGE_LINES.ensure_month(month)

    everything = billable.billable_lines(SEPTEMBER, studio_id=studio.pk)
    from_the_mark = billable.billable_lines(SEPTEMBER, studio_id=studio.pk, read_from=SEPTEMBER)

    read = partitions_read(everything)
    assert {"usage_usageline_p2025_07", "usage_usageline_p2025_08", "usage_usageline_p2025_09"} <= read
    assert partitions_read(from_the_mark) == {"usage_usageline_p2025_09"}
    assert [line.line_ref for line in from_the_mark] == ["L-sep"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_line_is_stored_while_a_run_holds_the_studio(require_postgres, billed_studio, grant):
    """What `reading` counts on: a run reads under the studio's lock, and storing a report takes
    it too, so a line the run did not see has a larger id than every line it saw."""
    studio = billed_studio.studio
    with refused_while_a_run_holds(studio):
        report(studio, [replica_line("L-wait", grant, dt.date(2025, 8, 20))], ref="r-wait")
    assert not UsageLine.objects.filter(line_ref="L-wait").exists()
    report(studio, [replica_line("L-wait", grant, dt.date(2025, 8, 20))], ref="r-wait")  # once the run is done
    assert UsageLine.objects.filter(line_ref="L-wait").exists()
