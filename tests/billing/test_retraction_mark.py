"""Where a billing run starts reading a studio's retractions (billable.reading,
UnbilledMark.retractions_through, usage.Retraction): a run reads the retractions since its
studio's last run settled them, not every line the studio ever retracted. A retraction still
owed a credit holds the mark back; voiding a credit note moves it back; retracting takes the
studio's lock, as a run does. tests/billing/test_billing_properties.py checks it against
reading every retracted line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.billing import billable, services
from registry.billing.models import Invoice, InvoiceLine, UnbilledMark
from registry.usage.models import Retraction, UsageLine
from registry.usage.services import usage_line_retract
from tests.billing.conftest import AUGUST, bill, past_grant, refused_while_a_run_holds, replica_line, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER, NOVEMBER = dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 11, 1)


@pytest.fixture
def grant(billed_studio, performer, tvth):
    """Two lines used in August, billed on August's invoice."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(
        billed_studio.studio,
        [replica_line("L-1", grant, dt.date(2025, 8, 12)), replica_line("L-2", grant, dt.date(2025, 8, 14))],
    )
    return grant


def retract(ref: str) -> Retraction:
    usage_line_retract(line=UsageLine.objects.get(line_ref=ref), reason="Reported by error", actor=SYSTEM)
    return Retraction.objects.get(usage_line__line_ref=ref)


def retractions_mark(studio) -> int:
    return UnbilledMark.objects.values_list("retractions_through", flat=True).get(studio=studio)


def credited(ref: str) -> bool:
    return InvoiceLine.objects.filter(
        usage_line__line_ref=ref, is_credit=True, released=False, invoice__document_type="credit_note"
    ).exists()


def test_a_retraction_is_recorded_in_order_with_its_line(billed_studio, grant):
    first, second = retract("L-2"), retract("L-1")
    assert second.pk > first.pk
    line = UsageLine.objects.get(line_ref="L-1")
    assert (second.studio_id, second.usage_line_id, second.usage_line_use_date) == (
        billed_studio.studio.pk,
        line.pk,
        line.use_date,
    )
    assert second.at == line.retracted_at


def test_a_run_credits_what_was_retracted_and_marks_the_newest_retraction(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    assert retractions_mark(studio) == 0  # nothing retracted yet
    retraction = retract("L-1")
    assert billable.reading(studio.pk).retractions_through == retraction.pk

    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    assert credited("L-1")
    assert retractions_mark(studio) == retraction.pk
    assert billable.reading(studio.pk).retractions_after == retraction.pk


def test_the_next_run_reads_only_the_retractions_after_the_mark(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    """The mark is trusted: a retraction at or before it is not read, even one that is owed a
    credit. (A wrong mark would leave a charge uncredited, which is why every way a retraction
    becomes owed again moves it back, below.)"""
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    retract("L-1")
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    InvoiceLine.objects.filter(is_credit=True).update(released=True)  # a test's shortcut, past the void service
    assert billable.uncredited_retractions(studio.pk).filter(line_ref="L-1").exists()  # read from the start

    assert not billable.uncredited_retractions(studio.pk, after=retractions_mark(studio)).exists()
    run, _ = services.billing_run_start(period=OCTOBER, actor=SYSTEM)
    assert services.billing_run_plan(run_id=run.pk) == []  # nothing to credit since the mark
    services.bill_studio(run_id=run.pk, studio_id=studio.pk)  # and billing the studio anyway credits nothing
    assert not Invoice.objects.filter(period=OCTOBER).exists()

    retraction = retract("L-2")  # a new retraction is read
    assert [line.line_ref for line in billable.uncredited_retractions(studio.pk, after=retraction.pk - 1)] == ["L-2"]
    run, _ = services.billing_run_start(period=NOVEMBER, actor=SYSTEM)
    assert services.billing_run_plan(run_id=run.pk) == [studio.pk]


def test_a_studio_that_retracted_nothing_since_its_mark_is_billed_without_reading_retractions(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    """Most studios retract nothing in a month: their bill reads the newest retraction since the
    mark (none) and nothing else of retractions, so pays no credit note's queries; one that did
    retract is read and credited."""
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    report(studio, [replica_line("L-9", grant, dt.date(2025, 9, 3))], ref="r-september")

    def bill_read(period):
        run, _ = services.billing_run_start(period=period, actor=SYSTEM)
        with CaptureQueriesContext(connection) as queries:
            services.bill_studio(run_id=run.pk, studio_id=studio.pk)
        return [q["sql"] for q in queries if Retraction._meta.db_table in q["sql"]]

    assert len(bill_read(SEPTEMBER)) == 1  # the reading's newest retraction, none
    assert Invoice.objects.filter(period=SEPTEMBER, document_type="invoice").exists()
    retract("L-1")
    assert len(bill_read(OCTOBER)) > 1
    assert credited("L-1")


def test_owed_credits_are_read_within_the_window_of_retractions_and_an_empty_one_costs_no_query(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    first, second = retract("L-1"), retract("L-2")

    def owed(**window) -> list[str]:
        return sorted(billable.uncredited_retractions(studio.pk, **window).values_list("line_ref", flat=True))

    assert owed() == ["L-1", "L-2"]
    assert owed(after=0, through=first.pk) == ["L-1"]
    assert owed(after=first.pk, through=second.pk) == ["L-2"]
    with CaptureQueriesContext(connection) as queries:
        assert owed(after=second.pk, through=second.pk) == []
    assert len(queries) == 0


def test_a_retraction_left_owed_holds_the_mark_before_it(billed_studio, grant, django_capture_on_commit_callbacks):
    """September's credit note exists when L-2 is retracted: re-running September leaves it to
    October's, and the mark stays before it until then."""
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    first = retract("L-1")
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    second = retract("L-2")

    bill(SEPTEMBER, django_capture_on_commit_callbacks)

    assert not credited("L-2")
    assert retractions_mark(studio) == second.pk - 1 == first.pk
    bill(OCTOBER, django_capture_on_commit_callbacks)
    assert credited("L-2")
    assert Invoice.objects.get(period=OCTOBER, document_type="credit_note").lines.get().usage_line.line_ref == "L-2"
    assert retractions_mark(studio) == second.pk


def test_voiding_a_credit_note_moves_the_mark_back_and_the_next_run_credits_again(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    first, second = retract("L-1"), retract("L-2")
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    assert retractions_mark(studio) == second.pk

    note = Invoice.objects.get(period=SEPTEMBER, document_type="credit_note")
    services.invoice_void(invoice=note, actor=SYSTEM, reason="Sent to the wrong address")

    assert retractions_mark(studio) == first.pk - 1
    bill(OCTOBER, django_capture_on_commit_callbacks)
    again = Invoice.objects.get(period=OCTOBER, document_type="credit_note")
    assert sorted(again.lines.values_list("usage_line__line_ref", flat=True)) == ["L-1", "L-2"]
    assert retractions_mark(studio) == second.pk


def test_voiding_a_charge_leaves_the_retractions_mark(billed_studio, grant, django_capture_on_commit_callbacks):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    retraction = retract("L-1")
    report(studio, [replica_line("L-3", grant, dt.date(2025, 9, 3))], ref="r-sep")
    bill(SEPTEMBER, django_capture_on_commit_callbacks)
    assert retractions_mark(studio) == retraction.pk

    services.invoice_void(
        invoice=Invoice.objects.get(period=SEPTEMBER, document_type="invoice"), actor=SYSTEM, reason="Wrong entity"
    )

    assert UnbilledMark.objects.get(studio=studio).unbilled_from == dt.date(2025, 9, 3)  # L-3 is unbilled again
    assert retractions_mark(studio) == retraction.pk  # and no credit is owed again


def test_a_retraction_of_a_line_never_charged_is_settled(billed_studio, grant, django_capture_on_commit_callbacks):
    studio = billed_studio.studio
    retraction = retract("L-1")  # retracted before any run: never charged, nothing owed

    bill(AUGUST, django_capture_on_commit_callbacks)

    assert not credited("L-1")
    assert [il.usage_line.line_ref for il in Invoice.objects.get(period=AUGUST).lines.all()] == ["L-2"]
    assert retractions_mark(studio) == retraction.pk


def test_the_plan_finds_a_studio_by_its_retractions_since_the_mark(
    billed_studio, grant, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    bill(AUGUST, django_capture_on_commit_callbacks)
    run, _ = services.billing_run_start(period=SEPTEMBER, actor=SYSTEM)
    assert services.billing_run_plan(run_id=run.pk) == []

    retract("L-1")
    run, _ = services.billing_run_start(period=OCTOBER, actor=SYSTEM)
    assert services.billing_run_plan(run_id=run.pk) == [studio.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_line_is_retracted_while_a_run_holds_the_studio(require_postgres, billed_studio, grant):
    """What the retractions mark counts on: a run reads under the studio's lock, and retracting
    takes it too, so a retraction the run did not see has a larger id than every one it saw."""
    with refused_while_a_run_holds(billed_studio.studio):
        retract("L-1")
    assert UsageLine.objects.get(line_ref="L-1").status == "accepted"
    assert not Retraction.objects.exists()
    retract("L-1")  # once the run is done
    assert UsageLine.objects.get(line_ref="L-1").status == "retracted"
