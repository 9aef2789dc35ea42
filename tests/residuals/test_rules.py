"""The pure residual rules, with hand-computed cases: views, the threshold, windows, the bonus
and licence splits to the cent, training consent for a licensee, and the what-if replay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.consent import rules as consent_rules
from registry.residuals import rules

D = Decimal
DEFAULT_TERMS = rules.BonusTerms(
    threshold=D("0.20"), window_days=90, later_years=True, bonus_share=D("1"), performer_share=D("0.75")
)
# 120 minutes, a service with 1,000,000 domestic subscribers: 20% is 200,000 views, which is
# 400,000 hours at two hours a view.
FILM = rules.TitleFacts(release_date=dt.date(2024, 3, 15), runtime_minutes=120, high_budget_svod=True)
SUBSCRIBERS = 1_000_000


def viewing(hours: str, year: int = 1, subscribers: int = SUBSCRIBERS) -> rules.Viewing:
    return rules.Viewing(exhibition_year=year, hours_streamed=D(hours), domestic_subscribers=subscribers)


@pytest.mark.parametrize(
    ("case", "title", "reported", "terms", "already_paid", "outcome", "views", "required"),
    [
        ("just under the threshold", FILM, viewing("399999.99"), DEFAULT_TERMS, False, "below_threshold",
         "199999.9950", "200000"),
        ("just at the threshold", FILM, viewing("400000.00"), DEFAULT_TERMS, False, "qualified",
         "200000.0000", "200000"),
        ("well over", FILM, viewing("1234567.89"), DEFAULT_TERMS, False, "qualified", "617283.9450", "200000"),
        ("nothing streamed", FILM, viewing("0"), DEFAULT_TERMS, False, "below_threshold", "0.0000", "200000"),
        ("a later exhibition year qualifies", FILM, viewing("400000", year=2), DEFAULT_TERMS, False, "qualified",
         "200000.0000", "200000"),
        ("a second report in a paid year", FILM, viewing("900000"), DEFAULT_TERMS, True, "already_qualified",
         "450000.0000", "200000"),
        ("a lower threshold modelled by staff", FILM, viewing("300000"),
         rules.BonusTerms(D("0.15"), 90, True, D("1"), D("0.75")), False, "qualified", "150000.0000", "150000"),
        ("not high-budget streaming", rules.TitleFacts(dt.date(2024, 3, 15), 120, False), viewing("900000"),
         DEFAULT_TERMS, False, "not_eligible", "450000.0000", "200000"),
        ("a later year the agreement excludes", FILM, viewing("900000", year=2),
         rules.BonusTerms(D("0.20"), 90, False, D("1"), D("0.75")), False, "not_eligible", "450000.0000", "200000"),
        ("a 45-minute season of 8 episodes: 360 minutes", rules.TitleFacts(dt.date(2024, 3, 15), 360, True),
         viewing("1200000"), DEFAULT_TERMS, False, "qualified", "200000.0000", "200000"),
    ],
)  # fmt: skip
def test_qualification(case, title, reported, terms, already_paid, outcome, views, required):
    decision = rules.decide_qualification(title, reported, terms, already_paid=already_paid)

    assert decision.outcome == outcome, case
    assert decision.views == D(views)
    assert decision.required_views == D(required)
    assert decision.pays == (outcome == "qualified")


def test_a_paid_year_still_says_whether_the_figures_meet_the_threshold():
    below = rules.decide_qualification(FILM, viewing("100"), DEFAULT_TERMS, already_paid=True)
    above = rules.decide_qualification(FILM, viewing("400000"), DEFAULT_TERMS, already_paid=True)

    assert (below.outcome, below.meets_threshold) == ("already_qualified", False)
    assert (above.outcome, above.meets_threshold) == ("already_qualified", True)


def test_the_explanation_shows_the_arithmetic():
    decision = rules.decide_qualification(FILM, viewing("400000"), DEFAULT_TERMS, already_paid=False)

    assert decision.explanation == (
        "views = 400,000 hours × 60 ÷ 120 min = 200,000; needed 20% × 1,000,000 subscribers = 200,000 views "
        "in exhibition year 1, 2024-03-15 to 2024-06-12: reaches the threshold."
    )


@pytest.mark.parametrize(
    ("release", "year", "days", "start", "end"),
    [
        (dt.date(2024, 3, 15), 1, 90, dt.date(2024, 3, 15), dt.date(2024, 6, 12)),
        (dt.date(2024, 3, 15), 2, 90, dt.date(2025, 3, 15), dt.date(2025, 6, 12)),
        (dt.date(2024, 3, 15), 3, 30, dt.date(2026, 3, 15), dt.date(2026, 4, 13)),
        # Released on 29 February: later years start on 28 February.
        (dt.date(2024, 2, 29), 2, 90, dt.date(2025, 2, 28), dt.date(2025, 5, 28)),
        (dt.date(2024, 2, 29), 5, 1, dt.date(2028, 2, 29), dt.date(2028, 2, 29)),
    ],
)
def test_exhibition_windows(release, year, days, start, end):
    assert rules.exhibition_window(release, year, days) == (start, end)


def test_a_zero_runtime_is_refused_rather_than_divided_by():
    with pytest.raises(ValueError, match="runtime must be positive"):
        rules.views_of(D("10"), 0)
    with pytest.raises(ValueError, match="runtime must be positive"):
        rules.meets_threshold(viewing("10"), 0, D("0.2"))


def cast(*bases: str) -> list[rules.CastShare]:
    return [rules.CastShare(performer=f"p{i}", residual_base=D(b)) for i, b in enumerate(bases, start=1)]


@pytest.mark.parametrize(
    ("case", "bases", "terms", "bonus", "performers", "fund", "shares"),
    [
        ("even cast", ("1000.00", "1000.00", "1000.00"), DEFAULT_TERMS,
         "3000.00", "2250.00", "750.00", ("750.00", "750.00", "750.00")),
        # 3,491.33 × 75% = 2,618.4975: 261,849.75 and 87,283.25 cents; the spare cent goes to the
        # larger remainder (the cast). 2,618.50 pro rata to 1,158 : 2,000 : 333.33 is 86,850.08,
        # 150,000.14 and 24,999.77 cents: the spare cent to the third.
        ("uneven cast", ("1158.00", "2000.00", "333.33"), DEFAULT_TERMS,
         "3491.33", "2618.50", "872.83", ("868.50", "1500.00", "250.00")),
        # A third of a cent each way: 100.00 / 3 = 33.33 r 0.01, to the first.
        ("thirds", ("1.00", "1.00", "1.00"), rules.BonusTerms(D("0.2"), 90, True, D("1"), D("1")),
         "3.00", "3.00", "0.00", ("1.00", "1.00", "1.00")),
        ("a larger bonus modelled by staff", ("999.99", "0.01"),
         rules.BonusTerms(D("0.2"), 90, True, D("1.25"), D("0.75")),
         "1250.00", "937.50", "312.50", ("937.49", "0.01")),
        ("everything to the fund", ("500.00",), rules.BonusTerms(D("0.2"), 90, True, D("1"), D("0")),
         "500.00", "0.00", "500.00", ("0.00",)),
        ("no bonus", ("500.00", "250.00"), rules.BonusTerms(D("0.2"), 90, True, D("0"), D("0.75")),
         "0.00", "0.00", "0.00", ("0.00", "0.00")),
    ],
)  # fmt: skip
def test_bonus_splits_to_the_cent(case, bases, terms, bonus, performers, fund, shares):
    split = rules.compute_bonus(cast(*bases), terms)

    assert split.bonus_total == D(bonus), case
    assert (split.performers_total, split.fund_amount) == (D(performers), D(fund))
    assert tuple(str(s.amount) for s in split.shares) == shares
    assert split.performers_total + split.fund_amount == split.bonus_total
    assert sum(s.amount for s in split.shares) == split.performers_total


def test_a_bonus_needs_a_cast_with_positive_bases():
    with pytest.raises(ValueError, match="no cast"):
        rules.compute_bonus([], DEFAULT_TERMS)
    with pytest.raises(ValueError, match="positive"):
        rules.compute_bonus(cast("100.00", "0.00"), DEFAULT_TERMS)


@pytest.mark.parametrize(
    ("fee", "share", "bases", "pool", "shares"),
    [
        # 5,000,000 cents in sixths: 833,333.33 and 1,666,666.67 and 2,500,000: the spare cent to .67.
        ("100000.00", "0.50", ("1000", "2000", "3000"), "50000.00", ("8333.33", "16666.67", "25000.00")),
        ("0.03", "1", ("1", "1", "1"), "0.03", ("0.01", "0.01", "0.01")),
        # 12,345.67 × 0.3333 = 4,114.811811 -> 4,114.81 (half up); split 1 : 1.
        ("12345.67", "0.3333", ("10", "10"), "4114.81", ("2057.41", "2057.40")),
        ("250000.00", "0", ("10", "20"), "0.00", ("0.00", "0.00")),
    ],
)
def test_licence_fee_splits_to_the_cent(fee, share, bases, pool, shares):
    split = rules.split_licence_fee(D(fee), D(share), cast(*bases))

    assert split.performers_total == D(pool)
    assert tuple(str(s.amount) for s in split.shares) == shares
    assert sum(s.amount for s in split.shares) == split.performers_total


# --- Training consent -------------------------------------------------------------------------
PROJECT = consent_rules.Project(kind="series", title="Harbour Lights", production_number="HL-S1")
LICENCE = rules.LicenceFacts(
    licensee="Lumen Labs", project=PROJECT, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31)
)
NAMING = ("Train the Lumen Labs voice model on season one dialogue",)


def training_grant(
    grant_id: str = "cgr_1",
    *,
    texts: tuple[str, ...] = NAMING,
    status: str = "active",
    use: str = "training",
    project: consent_rules.Project = PROJECT,
    term: tuple[dt.date, dt.date] = (dt.date(2026, 12, 1), dt.date(2028, 12, 31)),
    causes: tuple[str, ...] = (),
) -> rules.TrainingGrant:
    scope = consent_rules.GrantScope(
        use=use, project=project, term_start=term[0], term_end=term[1], media=("ai_model",), territory=("US",)
    )
    return rules.TrainingGrant(consent_rules.GrantCandidate(grant_id, scope, status, causes), texts)


@pytest.mark.parametrize(
    ("case", "grants", "union", "basis", "grant_id", "codes"),
    [
        ("a grant naming the licensee", [training_grant()], False, "grant", "cgr_1", []),
        ("the name in any case and spacing", [training_grant(texts=("train  LUMEN labs models",))], False,
         "grant", "cgr_1", []),
        ("no grant at all", [], False, "none", None, ["no_grant"]),
        ("a grant for another licensee", [training_grant(texts=("Train the Orbit AI model",))], False, "none",
         None, ["licensee_not_named"]),
        ("a name inside another word is not the name", [training_grant(texts=("Train Lumen Labsworth models",))],
         False, "none", None, ["licensee_not_named"]),
        ("a replica grant is not a training grant", [training_grant(use="replica_use")], False, "none", None,
         ["no_grant"]),
        ("a training grant for another title", [training_grant(project=consent_rules.Project(
            "series", "Other Show", "OS-1"))], False, "none", None, ["outside_scope"]),
        ("revoked", [training_grant(status="revoked")], False, "none", None, ["revoked"]),
        ("suspended by a strike", [training_grant(status="suspended", causes=("strike",))], False, "none", None,
         ["suspended_by_strike"]),
        ("ends before the licence does", [training_grant(term=(dt.date(2026, 12, 1), dt.date(2027, 6, 30)))],
         False, "none", None, ["term_ends_before_licence"]),
        ("starts after the licence does", [training_grant(term=(dt.date(2027, 2, 1), dt.date(2028, 6, 30)))],
         False, "none", None, ["not_yet_in_term"]),
        ("the union consents where the agreement says so", [], True, "union", None, ["no_grant"]),
        ("a good grant among bad ones", [training_grant("cgr_old", status="revoked"), training_grant("cgr_new")],
         False, "grant", "cgr_new", []),
    ],
)  # fmt: skip
def test_training_consent(case, grants, union, basis, grant_id, codes):
    finding = rules.decide_training_consent(LICENCE, grants, union_consents=union)

    assert (finding.basis, finding.grant_id) == (basis, grant_id), case
    assert [r.code for r in finding.reasons] == codes
    assert finding.is_violation == (basis == "none")


# --- What-if ----------------------------------------------------------------------------------
def reported(key: str, hours: str, terms: rules.BonusTerms = DEFAULT_TERMS) -> rules.ReportedViewing:
    return rules.ReportedViewing(report=key, title=FILM, viewing=viewing(hours), terms=terms)


def test_replay_pays_the_first_report_that_qualifies():
    lower = rules.BonusTerms(D("0.15"), 90, True, D("1"), D("0.75"))

    as_recorded = rules.replay_exhibition_year([reported("r1", "350000"), reported("r2", "390000")], cast("1000"))
    modelled = rules.replay_exhibition_year(
        [reported("r1", "350000", lower), reported("r2", "390000", lower)], cast("1000")
    )

    assert (as_recorded.qualifying_report, as_recorded.split) == (None, None)
    assert as_recorded.qualification.outcome == "below_threshold"
    assert modelled.qualifying_report == "r1"
    assert (modelled.split.bonus_total, modelled.split.performers_total) == (D("1000.00"), D("750.00"))


# --- Training licences: the whole decision ----------------------------------------------------
def test_a_licence_as_reported_is_checked_field_by_field():
    problems = rules.licence_problems(
        licensee=rules.licensee_name("  L "),
        fee=D("0"),
        currency="EUR",
        term_start=dt.date(2027, 1, 1),
        term_end=dt.date(2026, 12, 31),
        title_currency="USD",
    )
    fine = rules.licence_problems(
        licensee=rules.licensee_name(" Lumen   Labs "),
        fee=D("0.01"),
        currency=None,
        term_start=dt.date(2027, 1, 1),
        term_end=dt.date(2027, 1, 1),
        title_currency="USD",
    )

    assert [(p.field, p.code) for p in problems] == [
        ("licensee", "too_short"),
        ("fee", "not_positive"),
        ("currency", "wrong_currency"),
        ("term_end", "before_start"),
    ]
    assert fine == []
    assert rules.licensee_key(rules.licensee_name(" Lumen   LABS ")) == "lumen labs"


@pytest.mark.parametrize(("union", "bases", "violations"), [(False, ("none",), 1), (True, ("union",), 0)])
def test_a_licence_pays_the_whole_cast_and_finds_each_consent(union, bases, violations):
    # given two performers, one with a grant naming the licensee and one with none, bases 1 : 3
    cast_members = [
        rules.LicensedPerformer("maya", D("1000"), (training_grant("cgr_maya"),)),
        rules.LicensedPerformer("leo", D("3000"), ()),
    ]
    terms = rules.LicenceTerms(agreement="tvth-2026", performer_share=D("0.50"), union_consents=union)

    decision = rules.decide_training_licence(LICENCE, D("10000.01"), cast_members, terms)

    # then half the fee (5,000.005 -> 5,000.01) is split 1 : 3, the spare cent to the larger remainder
    assert decision.performers_total == D("5000.01")
    assert [(s.performer, s.residual_base, s.amount) for s in decision.shares] == [
        ("maya", D("1000"), D("1250.00")),
        ("leo", D("3000"), D("3750.01")),
    ]
    assert [(s.finding.basis, s.finding.grant_id) for s in decision.shares] == [("grant", "cgr_maya"), (*bases, None)]
    assert decision.violations == violations
    assert terms.as_dict() == {
        "agreement": "tvth-2026",
        "training_licence_performer_share": "0.50",
        "training_licence_union_consents": union,
    }


# --- What-if: a year's totals -----------------------------------------------------------------
MAYA, LEO = rules.Person("prf_maya", "Maya Okafor"), rules.Person("prf_leo", "Leo Brandt")


def title_year(title: str, currency: str, hours: str, *, paid: bool, start=dt.date(2024, 3, 15)) -> rules.TitleYear:
    """A film of 120 minutes seen `hours` hours by 1,000,000 subscribers; cast Maya 3,000.00 and
    Leo 1,000.00, so a bonus at the default terms is 4,000.00: 2,250.00, 750.00, fund 1,000.00."""
    cast_shares = (rules.CastShare(MAYA, D("3000.00")), rules.CastShare(LEO, D("1000.00")))
    return rules.TitleYear(
        title=f"ttl_{title}",
        name=title,
        production_number=title.upper(),
        studio="Northlight Pictures",
        currency=currency,
        exhibition_year=1,
        window_start=start,
        reports=(reported(f"vr_{title}", hours),),
        cast=cast_shares,
        paid=rules.PaidBonus(
            distribution=f"bd_{title}",
            bonus_total=D("4000.00"),
            performers_total=D("3000.00"),
            fund_amount=D("1000.00"),
            shares=(
                rules.PerformerAmount(MAYA, D("3000.00"), D("2250.00")),
                rules.PerformerAmount(LEO, D("1000.00"), D("750.00")),
            ),
        )
        if paid
        else None,
    )


def test_a_what_if_sets_each_title_beside_what_was_paid_and_totals_per_currency_and_performer():
    # given three titles: two in USD (one paid at 200,000 views, one not at 170,000), one in EUR paid
    years = [
        title_year("tidewater", "USD", "340000", paid=False, start=dt.date(2024, 3, 1)),
        title_year("harbour", "USD", "400000", paid=True),
        title_year("alba", "EUR", "400000", paid=True),
    ]

    # when the threshold were 15 %
    result = rules.bonus_what_if(2024, years, rules.what_if_overrides({"threshold": D("0.15")}))

    # then every title would have paid 4,000.00, in window order
    assert [(t.name, t.actual.qualified, t.what_if.qualified, t.difference) for t in result.titles] == [
        ("tidewater", False, True, D("4000.00")),
        ("alba", True, True, D("0.00")),
        ("harbour", True, True, D("0.00")),
    ]
    assert result.titles[0].what_if.viewing_report == "vr_tidewater"
    assert [(s.name, s.amount) for s in result.titles[0].what_if.shares] == [
        ("Maya Okafor", D("2250.00")),
        ("Leo Brandt", D("750.00")),
    ]
    eur, usd = result.totals
    assert (eur.currency, eur.titles_qualified_actual, eur.titles_qualified_what_if, eur.difference) == (
        "EUR",
        1,
        1,
        D("0.00"),
    )
    assert (usd.actual_bonus, usd.what_if_bonus, usd.difference) == (D("4000.00"), D("8000.00"), D("4000.00"))
    assert (usd.actual_to_performers, usd.what_if_to_performers) == (D("3000.00"), D("6000.00"))
    assert (usd.actual_to_fund, usd.what_if_to_fund) == (D("1000.00"), D("2000.00"))
    assert [(p.currency, p.name, p.performer, p.actual, p.what_if, p.difference) for p in result.by_performer] == [
        ("EUR", "Leo Brandt", "prf_leo", D("750.00"), D("750.00"), D("0.00")),
        ("EUR", "Maya Okafor", "prf_maya", D("2250.00"), D("2250.00"), D("0.00")),
        ("USD", "Leo Brandt", "prf_leo", D("750.00"), D("1500.00"), D("750.00")),
        ("USD", "Maya Okafor", "prf_maya", D("2250.00"), D("4500.00"), D("2250.00")),
    ]
    assert result.overrides == {"threshold": D("0.15")}


def test_a_what_if_changes_only_the_terms_it_can_model():
    with pytest.raises(ValueError, match="not window_days"):
        rules.what_if_overrides({"window_days": D("120")})
    assert rules.what_if_overrides(None) == {}
