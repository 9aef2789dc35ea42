"""Properties of billing over random usage: documents total their lines, every journal entry
balances, pay splits add up, and billing twice bills nothing more."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.billing import services
from registry.billing.models import Invoice, InvoiceLine, JournalEntry
from registry.parties.models import Performer, Studio
from registry.usage.services import LineInput
from tests.billing.conftest import PICTURE, past_grant, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
AUGUST = dt.date(2025, 8, 1)
_counter = itertools.count()

line_specs = st.lists(
    st.tuples(
        st.sampled_from(["replica_use", "scan_session", "synthetic_standin"]),
        st.integers(min_value=1, max_value=31),  # day of August
        st.integers(min_value=1, max_value=400).map(lambda n: Decimal(n) / 20),  # units / days, in 0.05 steps
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=line_specs, own=st.integers(min_value=0, max_value=300_000).map(lambda c: Decimal(c) / 100))
def test_random_usage_bills_consistently(tvth, specs, own):
    n = next(_counter)
    studio = Studio.objects.create(legal_name=f"Property Studio {n}")
    studio.agreements.add(tvth)
    performer = Performer.objects.create(
        member_number=f"PROP-{n}",
        legal_name=f"Prop Performer {n}",
        date_of_birth=dt.date(1980, 1, 1),
        user=get_user_model().objects.create_user(username=f"prop-{n}"),
    )
    grant = past_grant(studio, performer, tvth, own_daily=max(own, Decimal("0.01")))
    from registry.usage.services import synthetic_performer_register

    synthetic = synthetic_performer_register(
        studio=studio, name=f"Synth {n}", description="A digital extra.", borrowings=[], actor=SYSTEM
    )
    lines = []
    for i, (kind, day, amount) in enumerate(specs):
        common = {"line_ref": f"P{n}-{i}", "kind": kind, "project": PICTURE, "use_date": dt.date(2025, 8, day)}
        if kind == "synthetic_standin":
            lines.append(
                LineInput(
                    **common,
                    units=amount,
                    unit="days",
                    synthetic_ref=synthetic.public_id,
                    agreement_code="tvth-2023",
                    role_category="day_performer",
                )
            )
        elif kind == "scan_session":
            lines.append(
                LineInput(
                    **common,
                    units=amount,
                    unit="days",
                    performer_ref=performer.public_id,
                    agreement_code="tvth-2023",
                    grant_ref=None,
                    role_category="day_performer",
                )
            )
        else:
            lines.append(
                LineInput(
                    **common,
                    units=Decimal(1),
                    unit="days",
                    grant_ref=grant.public_id,
                    role_category="day_performer",
                    estimated_days=amount,
                    media=("streaming",),
                    territory=("US",),
                )
            )
    report(studio, lines, ref=f"prop-{n}")
    run, _ = services.billing_run_start(period=AUGUST, actor=SYSTEM)

    services.bill_studio(run_id=run.pk, studio_id=studio.pk)
    services.bill_studio(run_id=run.pk, studio_id=studio.pk)  # a second delivery bills nothing more

    # Sums in Python with Decimal: SQLite's SUM adds decimals as floats.
    for invoice in Invoice.objects.filter(studio=studio):
        lines = list(invoice.lines.all())
        assert invoice.performer_pay == sum(line.performer_pay for line in lines)
        assert invoice.ph_contributions == sum(line.ph_contribution for line in lines)
        assert invoice.fund_royalties == sum(line.fund_total for line in lines)
        assert invoice.total == invoice.performer_pay + invoice.ph_contributions + invoice.fund_royalties
        assert invoice.total == sum(line.total for line in lines)
        for line in lines:
            assert line.total == line.performer_pay + line.ph_contribution + line.fund_total
            assert sum(Decimal(v) for v in line.fund_shares.values()) == line.fund_total
    for entry in JournalEntry.objects.filter(invoice__studio=studio):
        assert sum(p.amount for p in entry.postings.all()) == 0
    billed = InvoiceLine.objects.filter(invoice__studio=studio, is_credit=False)
    assert billed.count() == billed.values("usage_line").distinct().count()
