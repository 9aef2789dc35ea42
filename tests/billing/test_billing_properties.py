"""Properties of billing over random usage: documents total their lines, every journal entry
balances, pay splits add up, billing twice bills nothing more, and runs that read from each
studio's mark bill (and credit) what reading every month (and every retraction) would."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from registry.billing import billable, services
from registry.billing.billable import owed_credits, unbilled_lines, uncredited_retractions
from registry.billing.models import Invoice, InvoiceLine, JournalEntry, UnbilledMark
from registry.core.errors import StateConflictError
from registry.parties.models import Performer, Studio
from registry.terms.models import Agreement
from registry.usage.models import UsageLine
from registry.usage.services import LineInput, usage_line_retract
from tests.billing.conftest import PICTURE, past_grant, replica_line, report
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


# --- Where runs start reading (billable.reading) against reading everything -----------------
MONTHS = [dt.date(2025, m, 1) for m in (8, 9, 10, 11)]


class BillingOverMonths(RuleBasedStateMachine):
    """Reports (some late), retractions, runs of the next period or again of a billed one, and
    voids of invoices and credit notes, over two studios: after every step, no unbilled line
    lies before where its studio's next run would start reading, and no retraction owed a
    credit lies at or before its retractions mark; after a run of a period nothing of it is left
    unbilled, and nothing retracted is left uncredited, as read with no mark at all (the marks
    only ever save reading, never change what is billed or credited)."""

    def __init__(self) -> None:
        super().__init__()
        tag = next(_counter)
        self.tvth = Agreement.objects.get(code="tvth-2023")
        self.studios, self.grants = [], []
        for i in range(2):
            studio = Studio.objects.create(legal_name=f"Months Studio {tag}-{i}")
            studio.agreements.add(self.tvth)
            performer = Performer.objects.create(
                member_number=f"MONTHS-{tag}-{i}",
                legal_name=f"Months Performer {tag}-{i}",
                date_of_birth=dt.date(1980, 1, 1),
                user=get_user_model().objects.create_user(username=f"months-{tag}-{i}"),
            )
            self.studios.append(studio)
            self.grants.append(past_grant(studio, performer, self.tvth))
        self.tag = tag
        self.lines = 0
        self.billed: list[dt.date] = []  # periods run, in order

    @rule(
        studio=st.integers(0, 1),
        days=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 28)), min_size=1, max_size=3),
    )
    def report_usage(self, studio, days):
        lines = []
        for month, day in days:
            self.lines += 1
            day = MONTHS[month].replace(day=day)
            lines.append(replica_line(f"M{self.tag}-{self.lines}", self.grants[studio], day, days="1"))
        report(self.studios[studio], lines, ref=f"months-{self.tag}-{self.lines}")

    @rule(again=st.booleans(), which=st.integers(0, 3))
    def run_billing(self, again, which):
        if again and self.billed:
            period = self.billed[which % len(self.billed)]
        elif len(self.billed) < len(MONTHS):
            period = MONTHS[len(self.billed)]
            self.billed.append(period)
        else:
            return
        had = {
            (s.pk, kind): Invoice.objects.filter(studio=s, period=period, document_type=kind)
            .exclude(status="void")
            .exists()
            for s in self.studios
            for kind in ("invoice", "credit_note")
        }
        run, _ = services.billing_run_start(period=period, actor=SYSTEM)
        for studio_id in services.billing_run_plan(run_id=run.pk):
            services.bill_studio(run_id=run.pk, studio_id=studio_id)
        for studio in self.studios:
            if not had[(studio.pk, "invoice")]:
                left = unbilled_lines(period, studio_id=studio.pk)  # every month, no mark
                assert not left.exists(), f"{period}: {list(left.values_list('line_ref', 'use_date'))} left"
            if not had[(studio.pk, "credit_note")]:
                owed = uncredited_retractions(studio.pk)  # every retraction, no mark
                assert not owed.exists(), f"{period}: {list(owed.values_list('line_ref', flat=True))} uncredited"

    @rule(which=st.integers(0, 50))
    def retract_a_line(self, which):
        lines = list(UsageLine.objects.filter(studio__in=self.studios, status="accepted").order_by("pk"))
        if lines:
            usage_line_retract(line=lines[which % len(lines)], reason="Property test", actor=SYSTEM)

    @precondition(lambda self: self.billed)
    @rule(which=st.integers(0, 20), kind=st.sampled_from(["invoice", "credit_note"]))
    def void_a_document(self, which, kind):
        documents = list(
            Invoice.objects.filter(studio__in=self.studios, status="finalized", document_type=kind).order_by("pk")
        )
        if documents:
            # An invoice a credit note corrects is voided after it, not before: refused, nothing changed.
            with contextlib.suppress(StateConflictError):
                services.invoice_void(invoice=documents[which % len(documents)], actor=SYSTEM, reason="Property test")

    @invariant()
    def no_unbilled_line_before_the_mark(self):
        for studio in self.studios:
            read_from = billable.reading(studio.pk).read_from
            if read_from is None:
                continue
            before = unbilled_lines(MONTHS[-1], studio_id=studio.pk).filter(use_date__lt=read_from)
            assert not before.exists(), f"unbilled before {read_from}: {list(before.values_list('line_ref'))}"

    @invariant()
    def no_retraction_owed_a_credit_at_or_before_the_mark(self):
        for studio in self.studios:
            mark = UnbilledMark.objects.filter(studio=studio).values_list("retractions_through", flat=True).first()
            owed = owed_credits(studio.pk, after=0, issued_only=False).filter(pk__lte=mark or 0)
            assert not owed.exists(), f"owed at or before {mark}: {list(owed.values_list('usage_line__line_ref'))}"


def test_runs_read_from_the_mark_and_bill_what_reading_everything_bills(tvth):
    run_state_machine_as_test(
        BillingOverMonths,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
