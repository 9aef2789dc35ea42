"""The residuals services, end to end through the database, with hand-computed cases: viewing
reports deciding qualification and paying the bonus through the ledger once per exhibition
year; training licences checking consent, opening cases and paying the cast; the what-if
recomputation leaving every stored document as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from registry.audit.models import AuditEvent
from registry.billing.models import JournalEntry
from registry.cases.models import Case
from registry.consent import rules as consent_rules
from registry.parties.models import Performer
from registry.residuals import selectors
from registry.residuals.models import BonusDistribution, ViewingReport
from tests.residuals.builders import (
    balances,
    record_licence,
    register_title,
    report_viewing,
    row_counts,
    stored_documents,
    training_grant,
)

pytestmark = pytest.mark.django_db

D = Decimal
# Released 2025-01-10: exhibition year 1's window is 2025-01-10 to 2025-04-09, year 2's is
# 2026-01-10 to 2026-04-09. The runtime is 60 minutes, so views = hours; 20% of 1,000,000
# subscribers is 200,000 views.
REPORTED = {
    1: dt.datetime(2025, 4, 20, 12, 0, tzinfo=dt.UTC),
    2: dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC),
}


def at(year: int, minutes: int = 0) -> dt.datetime:
    return REPORTED[year] + dt.timedelta(minutes=minutes)


@pytest.fixture
def title(studio, agreement, performer, other_performer):
    """Maya's fixed residual is 3,000.00 and Leo's 1,000.00: the bonus is 4,000.00, 3,000.00 of
    it to the cast (Maya 2,250.00, Leo 750.00) and 1,000.00 to the success bonus fund."""
    return register_title(
        studio.studio, agreement, [(performer.performer, "3000.00"), (other_performer.performer, "1000.00")]
    )


def bonus_legs(studio, performer, other_performer, times: int) -> dict[str, Decimal]:
    return {
        f"receivable:{studio.studio.public_id}:USD": D("4000.00") * times,
        f"payable:{performer.performer.public_id}:USD": D("-2250.00") * times,
        f"payable:{other_performer.performer.public_id}:USD": D("-750.00") * times,
        "fund:success_bonus_fund:USD": D("-1000.00") * times,
    }


@pytest.mark.parametrize(
    ("case", "reports", "outcomes", "paid_years"),
    [
        ("just under the threshold", [(1, "199999.99")], ["below_threshold"], []),
        ("just at the threshold", [(1, "200000.00")], ["qualified"], [1]),
        ("a later exhibition year qualifies", [(1, "150000"), (2, "200000")], ["below_threshold", "qualified"], [2]),
        (
            "a second report in the same year does not pay twice",
            [(1, "200000"), (1, "260000")],
            ["qualified", "already_qualified"],
            [1],
        ),
        (
            "each exhibition year pays once",
            [(1, "200000"), (2, "300000"), (2, "400000")],
            ["qualified", "qualified", "already_qualified"],
            [1, 2],
        ),
    ],
)
def test_viewing_reports_decide_and_pay_once_per_year(
    studio, performer, other_performer, title, case, reports, outcomes, paid_years
):
    decided = [report_viewing(title, hours, year=year, now=at(year, i)) for i, (year, hours) in enumerate(reports)]

    assert [r.outcome for r in decided] == outcomes, case
    paid = BonusDistribution.objects.order_by("exhibition_year")
    assert [d.exhibition_year for d in paid] == paid_years
    for distribution in paid:
        assert (distribution.bonus_total, distribution.performers_total, distribution.fund_amount) == (
            D("4000.00"),
            D("3000.00"),
            D("1000.00"),
        )
        assert [(s.performer_id, s.amount) for s in distribution.shares.order_by("id")] == [
            (performer.performer.pk, D("2250.00")),
            (other_performer.performer.pk, D("750.00")),
        ]
    assert JournalEntry.objects.count() == len(paid_years)
    expected = bonus_legs(studio, performer, other_performer, len(paid_years)) if paid_years else {}
    assert balances() == expected


def test_a_decision_keeps_its_inputs(title):
    report = report_viewing(title, "199999.99", now=at(1))

    stored = ViewingReport.objects.get(pk=report.pk)
    assert (stored.views, stored.required_views, stored.threshold) == (D("199999.9900"), D("200000"), D("0.2"))
    assert (stored.window_start, stored.window_end) == (dt.date(2025, 1, 10), dt.date(2025, 4, 9))
    assert (stored.runtime_minutes, stored.domestic_subscribers, stored.meets_threshold) == (60, 1_000_000, False)
    assert stored.terms_used == {
        "agreement": "test-tvth",
        "threshold": "0.2000",
        "window_days": 90,
        "later_years": True,
        "bonus_share": "1.0000",
        "performer_share": "0.7500",
    }
    assert stored.explanation.endswith("2025-01-10 to 2025-04-09: below the threshold.")
    event = AuditEvent.objects.get(action="viewing_report.received")
    assert (event.subject_id, event.data["outcome"], event.data["views"]) == (
        report.public_id,
        "below_threshold",
        "199999.9900",
    )


def test_a_qualifying_report_is_audited_with_its_distribution(title):
    report = report_viewing(title, "200000", now=at(1))

    distribution = BonusDistribution.objects.get()
    event = AuditEvent.objects.get(action="success_bonus.distributed")
    assert (event.subject_id, event.data["viewing_report"], event.data["bonus_total"]) == (
        distribution.public_id,
        report.public_id,
        "4000.00",
    )
    assert event.data["journal_entry"] == distribution.journal_entry.public_id
    assert distribution.explanation == (
        "bonus = 100% × fixed residual 4000.00 USD = 4000.00; 75% to the cast = 3000.00 "
        "(pro rata to residual base), the rest to the success bonus fund = 1000.00"
    )


def test_splits_add_up_to_the_cent(studio, agreement, performer, other_performer):
    third = Performer.objects.create(member_number="SAG-9", legal_name="Ada Quist", date_of_birth=dt.date(1990, 1, 1))
    uneven = register_title(
        studio.studio,
        agreement,
        [(performer.performer, "1158.00"), (other_performer.performer, "2000.00"), (third, "333.33")],
    )

    report_viewing(uneven, "200000", now=at(1))

    distribution = BonusDistribution.objects.get()
    # 3,491.33 × 75% = 2,618.4975 -> 2,618.50 to the cast, 872.83 to the fund (largest remainder);
    # 2,618.50 pro rata to 1,158 : 2,000 : 333.33 -> 868.50, 1,500.00, 250.00.
    assert (distribution.bonus_total, distribution.performers_total, distribution.fund_amount) == (
        D("3491.33"),
        D("2618.50"),
        D("872.83"),
    )
    assert [s.amount for s in distribution.shares.order_by("id")] == [D("868.50"), D("1500.00"), D("250.00")]
    assert sum(balances().values(), D("0")) == 0


def test_terms_are_read_from_the_agreement(agreement, title, studio, performer, other_performer):
    agreement.streaming_bonus_threshold = D("0.15")
    agreement.streaming_bonus_share = D("1.25")
    agreement.streaming_bonus_performer_share = D("0.80")
    agreement.save()

    report = report_viewing(title, "150000", now=at(1))

    distribution = BonusDistribution.objects.get()
    assert report.outcome == "qualified"
    # 4,000.00 × 125% = 5,000.00; 80% = 4,000.00 to the cast (3,000.00 and 1,000.00), 1,000.00 to the fund.
    assert (distribution.bonus_total, distribution.performers_total, distribution.fund_amount) == (
        D("5000.00"),
        D("4000.00"),
        D("1000.00"),
    )
    assert [s.amount for s in distribution.shares.order_by("id")] == [D("3000.00"), D("1000.00")]


def test_a_title_that_is_not_high_budget_streaming_never_qualifies(studio, agreement, performer):
    small = register_title(studio.studio, agreement, [(performer.performer, "1000.00")], high_budget_svod=False)

    report = report_viewing(small, "900000", now=at(1))

    assert (report.outcome, report.meets_threshold) == ("not_eligible", True)
    assert BonusDistribution.objects.count() == 0


def test_the_database_refuses_a_second_distribution_for_a_year(title):
    report_viewing(title, "200000", now=at(1))
    first = BonusDistribution.objects.get()
    second_report = report_viewing(title, "300000", now=at(1, 5))

    with pytest.raises(IntegrityError), transaction.atomic():
        BonusDistribution.objects.create(
            title=title,
            exhibition_year=1,
            viewing_report=second_report,
            currency="USD",
            fixed_residual_total=first.fixed_residual_total,
            bonus_total=first.bonus_total,
            performers_total=first.performers_total,
            fund_amount=first.fund_amount,
            terms_used={},
            explanation="a second bonus for the same year",
            created_at=at(1, 5),
        )


# --- Training licences ------------------------------------------------------------------------
GRANTED_AT = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
RECORDED_AT = GRANTED_AT + dt.timedelta(days=1)
START, END = dt.date(2026, 9, 15), dt.date(2027, 9, 14)


def test_a_licence_with_one_performer_lacking_consent(studio, agreement, performer, other_performer, title):
    grant = training_grant(studio.studio, performer.performer, agreement, at=GRANTED_AT)

    licence = record_licence(title, start=START, end=END, now=RECORDED_AT)

    maya, leo = licence.shares.order_by("id")
    # 100,000.00 × 50% = 50,000.00, pro rata to 3,000 : 1,000.
    assert (licence.performers_total, maya.amount, leo.amount) == (D("50000.00"), D("37500.00"), D("12500.00"))
    assert (maya.consent_basis, maya.grant, maya.violation_case) == ("grant", grant, None)
    assert (leo.consent_basis, leo.grant) == ("none", None)
    assert [f["code"] for f in leo.findings] == ["no_grant"]
    violation = leo.violation_case
    assert (violation.kind, violation.performer, violation.reason_code) == (
        "violation",
        other_performer.performer,
        "no_training_consent",
    )
    notice = licence.notice_case
    assert (notice.kind, notice.performer, notice.production_number, notice.reason_code) == (
        "training_notice",
        None,
        "HL-S1",
        "training_licence",
    )
    assert "to Lumen Labs for AI training" in notice.summary
    assert "without consent: 1" in notice.summary
    assert Case.objects.count() == 2
    assert balances() == {
        f"receivable:{studio.studio.public_id}:USD": D("50000.00"),
        f"payable:{performer.performer.public_id}:USD": D("-37500.00"),
        f"payable:{other_performer.performer.public_id}:USD": D("-12500.00"),
    }
    assert AuditEvent.objects.filter(action="training_licence.recorded", subject_id=licence.public_id).count() == 1


def test_consent_for_another_licensee_is_not_consent(studio, agreement, performer, other_performer, title):
    training_grant(studio.studio, performer.performer, agreement, at=GRANTED_AT, licensee="Orbit AI")

    licence = record_licence(title, start=START, end=END, now=RECORDED_AT)

    maya = licence.shares.get(performer=performer.performer)
    assert maya.consent_basis == "none"
    assert [f["code"] for f in maya.findings] == ["licensee_not_named"]
    assert Case.objects.filter(kind="violation").count() == 2


def test_a_grant_ending_before_the_licence_does_not_cover_it(studio, agreement, performer, title):
    training_grant(studio.studio, performer.performer, agreement, at=GRANTED_AT, days=100)

    licence = record_licence(title, start=START, end=END, now=RECORDED_AT)

    maya = licence.shares.get(performer=performer.performer)
    assert [f["code"] for f in maya.findings] == ["term_ends_before_licence"]


def test_the_union_consents_where_the_agreement_gives_it_that_role(
    studio, agreement, performer, other_performer, title
):
    agreement.training_licence_union_consents = True
    agreement.save()
    training_grant(studio.studio, performer.performer, agreement, at=GRANTED_AT)

    licence = record_licence(title, start=START, end=END, now=RECORDED_AT)

    assert [s.consent_basis for s in licence.shares.order_by("id")] == ["grant", "union"]
    assert list(Case.objects.values_list("kind", flat=True)) == ["training_notice"]
    assert licence.terms_used["training_licence_union_consents"] is True


def test_licence_split_to_the_cent_by_the_agreement_share(studio, agreement, performer, other_performer):
    third = Performer.objects.create(member_number="SAG-9", legal_name="Ada Quist", date_of_birth=dt.date(1990, 1, 1))
    agreement.training_licence_performer_share = D("0.5")
    agreement.save()
    cast_of_three = register_title(
        studio.studio,
        agreement,
        [(performer.performer, "1000"), (other_performer.performer, "2000"), (third, "3000")],
    )

    licence = record_licence(cast_of_three, start=START, end=END, now=RECORDED_AT)

    # 50,000.00 in sixths: 8,333.33 r, 16,666.66 r (the larger remainder gets the spare cent), 25,000.00.
    assert [s.amount for s in licence.shares.order_by("id")] == [D("8333.33"), D("16666.67"), D("25000.00")]
    assert Case.objects.filter(kind="violation").count() == 3


def test_the_same_licence_is_recorded_once(title):
    record_licence(title, start=START, end=END, now=RECORDED_AT)
    before = row_counts()

    from registry.core.errors import StateConflictError

    with pytest.raises(StateConflictError, match="already recorded"):
        record_licence(title, licensee="  lumen   LABS ", start=START, end=END, now=RECORDED_AT)
    assert row_counts() == before


# --- Statements -------------------------------------------------------------------------------
def test_residual_earnings_appear_on_the_statement(studio, agreement, performer, other_performer, title):
    from registry.residuals.selectors import performer_statement_with_residuals

    report_viewing(title, "200000", now=at(1))
    training_grant(studio.studio, performer.performer, agreement, at=GRANTED_AT)
    record_licence(title, start=START, end=END, now=RECORDED_AT)

    april = performer_statement_with_residuals(performer.performer, dt.date(2025, 4, 1))
    september = performer_statement_with_residuals(performer.performer, dt.date(2026, 9, 1))

    assert [(r["use"], r["amount"]) for r in april["residuals"]] == [("streaming_success_bonus", D("2250.00"))]
    assert (april["totals"], april["residual_totals"], april["grand_totals"]) == (
        {},
        {"USD": D("2250.00")},
        {"USD": D("2250.00")},
    )
    assert [(r["use"], r["amount"], r["project"]) for r in september["residuals"]] == [
        ("training_licence", D("37500.00"), "Harbour Lights (HL-S1)")
    ]
    assert performer_statement_with_residuals(performer.performer, dt.date(2025, 5, 1))["residuals"] == []


# --- What-if ----------------------------------------------------------------------------------
@pytest.fixture
def past_year(studio, agreement, performer, other_performer, title):
    """2025: Harbour Lights qualified (200,000 views, paid 4,000.00); Tidewater reached 17% (170,000
    views of 1,000,000 subscribers) and was not paid. Both casts: Maya 3,000.00, Leo 1,000.00."""
    tidewater = register_title(
        studio.studio,
        agreement,
        [(performer.performer, "3000.00"), (other_performer.performer, "1000.00")],
        project=consent_rules.Project(kind="picture", title="Tidewater", production_number="TW-1"),
    )
    report_viewing(title, "200000", now=at(1))
    report_viewing(tidewater, "120000", now=at(1, 1))
    report_viewing(tidewater, "170000", now=at(1, 2))
    return tidewater


def test_what_if_a_lower_threshold(past_year, title, performer, other_performer):
    result = selectors.bonus_what_if(year=2025, overrides={"threshold": D("0.15")})

    rows = {row.name: row for row in result.titles}
    assert rows["Harbour Lights"].actual.bonus_total == rows["Harbour Lights"].what_if.bonus_total
    tidewater = rows["Tidewater"]
    assert (tidewater.actual.qualified, tidewater.what_if.qualified) == (False, True)
    assert tidewater.what_if.viewing_report == ViewingReport.objects.get(hours_streamed=D("170000")).public_id
    assert [(s.name, s.amount) for s in tidewater.what_if.shares] == [
        ("Maya Okafor", D("2250.00")),
        ("Leo Brandt", D("750.00")),
    ]
    assert tidewater.difference == D("4000.00")
    (total,) = result.totals
    assert (total.actual_bonus, total.what_if_bonus, total.difference) == (
        D("4000.00"),
        D("8000.00"),
        D("4000.00"),
    )
    assert (total.actual_to_fund, total.what_if_to_fund) == (D("1000.00"), D("2000.00"))
    assert [(p.name, p.actual, p.what_if) for p in result.by_performer] == [
        ("Leo Brandt", D("750.00"), D("1500.00")),
        ("Maya Okafor", D("2250.00"), D("4500.00")),
    ]


def test_what_if_a_larger_share_to_the_cast(past_year):
    result = selectors.bonus_what_if(year=2025, overrides={"performer_share": D("0.8")})

    (harbour,) = [row for row in result.titles if row.name == "Harbour Lights"]
    assert [s.amount for s in harbour.what_if.shares] == [D("2400.00"), D("800.00")]
    assert harbour.what_if.fund_amount == D("800.00")
    assert [row.what_if.qualified for row in result.titles] == [True, False]


def test_what_if_another_year_finds_nothing(past_year):
    result = selectors.bonus_what_if(year=2024, overrides={"threshold": D("0.01")})

    assert (result.titles, result.totals, result.by_performer) == ((), (), ())


def test_what_if_refuses_a_term_it_cannot_model(past_year):
    with pytest.raises(ValueError, match="not window_days"):
        selectors.bonus_what_if(year=2025, overrides={"window_days": D("120")})


def test_what_if_leaves_every_stored_document_unchanged(past_year, staff, capsys):
    before_counts, before_documents = row_counts(), stored_documents()

    selectors.bonus_what_if(year=2025, overrides={"threshold": D("0.05"), "bonus_share": D("2")})
    call_command("bonus_what_if", "--year", "2025", "--threshold", "0.15", "--performer-share", "0.9")
    response = staff.client.get("/api/v1/streaming-bonus/what-if?year=2025&threshold=0.1&bonus_share=1.5")

    assert response.status_code == 200
    assert "what if 8000.00" in capsys.readouterr().out
    assert row_counts() == before_counts
    assert stored_documents() == before_documents


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_qualifying_reports_at_once_pay_once(require_postgres, studio, agreement, performer, other_performer):
    import threading

    from django.db import connections

    # given two qualifying reports for the same exhibition year sent at the same moment
    title = register_title(
        studio.studio, agreement, [(performer.performer, "3000.00"), (other_performer.performer, "1000.00")]
    )
    start_together = threading.Barrier(2)
    results: list = []

    def send(minutes: int) -> None:
        try:
            start_together.wait(timeout=30)
            results.append(report_viewing(title, "250000", now=at(1, minutes)).outcome)
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(m,)) for m in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then the title's lock lets one pay and the other find the year paid
    assert sorted(results) == ["already_qualified", "qualified"]
    assert BonusDistribution.objects.count() == 1
    assert balances() == bonus_legs(studio, performer, other_performer, 1)
