"""Billing reads a studio's lines a page of ids at a time, then probes each page for standing
charges (rating_inputs.uses): a page whose lines are all charged already must not end the read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.billing.billable import billable_lines, unbilled_lines, without_standing_charge
from registry.billing.models import InvoiceLine
from registry.billing.rating_inputs import uses
from registry.usage.models import UsageLine
from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report

pytestmark = pytest.mark.django_db


def test_pages_of_charged_lines_are_passed_over_and_the_rest_read_in_id_order(
    billed_studio, performer, tvth, django_capture_on_commit_callbacks
):
    studio = billed_studio.studio
    grant = past_grant(studio, performer.performer, tvth)
    report(studio, [replica_line(f"A-{i}", grant, dt.date(2025, 8, 1 + i)) for i in range(4)], ref="r-1")
    bill(AUGUST, django_capture_on_commit_callbacks)  # the first four now carry standing charges
    assert InvoiceLine.objects.filter(is_credit=False).count() == 4
    report(studio, [replica_line(f"B-{i}", grant, dt.date(2025, 8, 10 + i)) for i in range(5)], ref="r-2")
    late = list(UsageLine.objects.filter(line_ref__startswith="B-").order_by("id").values_list("pk", flat=True))

    lines = billable_lines(AUGUST, studio_id=studio.pk)
    for chunk_size in (1, 2, 3, 4, 1000):  # pages of charged lines only, mixed pages, one page
        paged = uses(lines, refine=without_standing_charge, chunk_size=chunk_size)
        assert [use.pk for use in paged] == late, chunk_size
    assert [use.pk for use in uses(unbilled_lines(AUGUST, studio_id=studio.pk))] == late


def test_a_page_ends_the_read_only_when_no_ids_are_left(billed_studio, performer, tvth):
    studio = billed_studio.studio
    grant = past_grant(studio, performer.performer, tvth)
    report(studio, [replica_line(f"A-{i}", grant, dt.date(2025, 8, 1 + i)) for i in range(4)])
    everything = list(UsageLine.objects.order_by("id").values_list("pk", flat=True))
    # Exactly two full pages: the read asks once more and finds nothing.
    assert [use.pk for use in uses(billable_lines(AUGUST, studio_id=studio.pk), chunk_size=2)] == everything


def test_each_line_reads_what_its_own_grant_was_signed_with(billed_studio, performer, tvth):
    """Grants and performers are read once each, not joined to every line: every page still
    gives each line its grant's signed terms and its performer's name, the grant that covered
    the use on its date before the one the line relied on."""
    studio = billed_studio.studio
    cheap = past_grant(studio, performer.performer, tvth, own_daily=Decimal("1100"))
    dear = past_grant(studio, performer.performer, tvth, own_daily=Decimal("2500"))
    report(studio, [replica_line(f"C-{i}", cheap if i % 2 else dear, dt.date(2025, 8, 1 + i)) for i in range(6)])
    covered = UsageLine.objects.get(line_ref="C-1")  # relied on the cheap grant
    UsageLine.objects.filter(pk=covered.pk).update(covering_grant=dear)  # covered by the dear one
    expected = {
        f"C-{i}": (dear.public_id, Decimal("2500")) if i in (0, 1, 2, 4) else (cheap.public_id, Decimal("1100"))
        for i in range(6)
    }
    for chunk_size in (1, 4, 1000):
        read = {
            u.line_ref: (u.grant_public_id, u.compensation_amount)
            for u in uses(billable_lines(AUGUST, studio_id=studio.pk), chunk_size=chunk_size)
        }
        assert read == expected, chunk_size
    [use] = [u for u in uses(billable_lines(AUGUST, studio_id=studio.pk)) if u.line_ref == "C-3"]
    name = performer.performer.professional_name or performer.performer.legal_name
    assert (use.performer_name, use.compensation_unit, use.compensation_currency) == (name, "day", "USD")
    assert use.grant_id == cheap.pk and not use.negotiated_per_use
