"""Rating by hand-computed cases (DOMAIN.md sections 3 and 5), and money's one rounding rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.billing.money import Money, round_money, split_largest_remainder
from registry.billing.rating import LineFacts, RatingError, ScaleRate, Terms, own_daily_rate, rate_line

# TV/Theatrical scale (DOMAIN.md section 4), effective-dated, and the commercials session fee.
SCALE_TABLE = [
    ("day_performer", "day", dt.date(2023, 11, 9), D("1158")),
    ("day_performer", "day", dt.date(2024, 7, 1), D("1204")),
    ("day_performer", "day", dt.date(2025, 7, 1), D("1246")),
    ("day_performer", "day", dt.date(2026, 7, 1), D("1283")),
    ("weekly_performer", "week", dt.date(2024, 7, 1), D("4180")),
    ("background_actor", "day", dt.date(2024, 7, 1), D("216")),
    ("background_actor", "day", dt.date(2025, 7, 1), D("224")),
    ("commercial_session", "session", dt.date(2025, 4, 1), D("822.30")),
    ("commercial_session", "session", dt.date(2026, 4, 1), D("855.20")),
]


def scale(role: str, unit: str, on: dt.date) -> ScaleRate:
    rows = [r for r in SCALE_TABLE if r[0] == role and r[1] == unit and r[2] <= on]
    if not rows:
        raise RatingError(f"no {role} rate on {on}")
    role, unit, start, amount = max(rows, key=lambda r: r[2])
    return ScaleRate(
        rate_card_id=hash((role, start)) % 1000, role_category=role, unit=unit, amount=amount, currency="USD"
    )


TVTH = Terms(currency="USD", ph_rate=D("0"), fund_split={"health_plan": D("0.5"), "pension_plan": D("0.5")})
TVTH_PH = Terms(currency="USD", ph_rate=D("0.21"), fund_split={"health_plan": D("0.5"), "pension_plan": D("0.5")})
TVTH_2026 = Terms(
    currency="USD",
    ph_rate=D("0"),
    fund_split={"health_plan": D("0.5"), "pension_plan": D("0.5")},
    icdr_floor_day_scale=True,
)
GAMES = Terms(
    currency="USD",
    ph_rate=D("0.175"),
    fund_split={"health_plan": D("0.6"), "pension_plan": D("0.4")},
    realtime_multiplier=D("7.5"),
)
COMMERCIALS = Terms(
    currency="USD",
    ph_rate=D("0.235"),
    fund_split={"health_plan": D("0.5"), "pension_plan": D("0.5")},
    synthetic_multiplier=D("1.5"),
)

CASES = [
    # id, facts, terms, (performer pay, P&H, fund shares)
    (
        "worked example: EBDR 2025-08-12, own 1100 < scale 1246, 3 days",
        LineFacts("replica_use", dt.date(2025, 8, 12), D("1"), "day_performer", D("3"), own_daily_rate=D("1100")),
        TVTH,
        (D("3738.00"), D("0.00"), {}),
    ),
    (
        "worked example: synthetic stand-in 2024-09-03, 2 days, multiplier 1.0",
        LineFacts("synthetic_standin", dt.date(2024, 9, 3), D("2"), "day_performer"),
        TVTH,
        (D("0.00"), D("0.00"), {"health_plan": D("1204.00"), "pension_plan": D("1204.00")}),
    ),
    (
        "EBDR where the performer's own rate beats scale",
        LineFacts("replica_use", dt.date(2025, 8, 12), D("1"), "day_performer", D("2"), own_daily_rate=D("2000")),
        TVTH,
        (D("4000.00"), D("0.00"), {}),
    ),
    (
        "EBDR on the day before the 1 July change uses the old scale",
        LineFacts("replica_use", dt.date(2025, 6, 30), D("1"), "day_performer", D("1"), own_daily_rate=D("0")),
        TVTH,
        (D("1204.00"), D("0.00"), {}),
    ),
    (
        "EBDR with P&H 21%: 1246 × 1.5 days = 1869.00, P&H 392.49",
        LineFacts("replica_use", dt.date(2025, 8, 12), D("1"), "day_performer", D("1.5")),
        TVTH_PH,
        (D("1869.00"), D("392.49"), {}),
    ),
    (
        "background replica used as a principal: principal day scale, not background, not own rate",
        LineFacts("replica_use", dt.date(2025, 8, 12), D("1"), "background_actor", D("2"), own_daily_rate=D("300")),
        TVTH,
        (D("2492.00"), D("0.00"), {}),
    ),
    (
        "standalone scan day: at least one day at max(own, scale)",
        LineFacts("scan_session", dt.date(2024, 9, 3), D("0.5"), "day_performer", own_daily_rate=D("1000")),
        TVTH,
        (D("1204.00"), D("0.00"), {}),
    ),
    (
        "background actor called only to be scanned: one background day per session",
        LineFacts("scan_session", dt.date(2025, 8, 1), D("2"), "background_actor"),
        TVTH,
        (D("448.00"), D("0.00"), {}),
    ),
    (
        "ICDR negotiated above the 2026 floor",
        LineFacts("replica_use", dt.date(2026, 8, 3), D("1"), "day_performer", D("2"), negotiated_amount=D("5000")),
        TVTH_2026,
        (D("5000.00"), D("0.00"), {}),
    ),
    (
        "ICDR negotiated below the floor is raised to day scale × days",
        LineFacts("replica_use", dt.date(2026, 8, 3), D("1"), "day_performer", D("2"), negotiated_amount=D("900")),
        TVTH_2026,
        (D("2566.00"), D("0.00"), {}),
    ),
    (
        "ICDR under an agreement without a floor pays the negotiated amount",
        LineFacts("replica_use", dt.date(2025, 8, 3), D("1"), "day_performer", D("2"), negotiated_amount=D("900")),
        TVTH,
        (D("900.00"), D("0.00"), {}),
    ),
    (
        "real-time generation: 7.5 × scale × 2 days, P&H 17.5%",
        LineFacts("realtime_generation", dt.date(2025, 8, 12), D("2"), "day_performer"),
        GAMES,
        (D("18690.00"), D("3270.75"), {}),
    ),
    (
        "training per run: 250 × 4 runs, P&H 17.5%",
        LineFacts(
            "training_use",
            dt.date(2025, 8, 12),
            D("4"),
            grant_compensation=D("250"),
            grant_compensation_unit="training_run",
        ),
        GAMES,
        (D("1000.00"), D("175.00"), {}),
    ),
    (
        "training flat fee once",
        LineFacts(
            "training_use", dt.date(2025, 8, 12), D("4"), grant_compensation=D("12000"), grant_compensation_unit="flat"
        ),
        TVTH,
        (D("12000.00"), D("0.00"), {}),
    ),
    (
        "commercials synthetic: 1.5 × session 855.20 × 1 = 1282.80, contributions 301.46, split 50/50",
        LineFacts("synthetic_standin", dt.date(2026, 5, 4), D("1"), "commercial_session"),
        COMMERCIALS,
        (D("0.00"), D("0.00"), {"health_plan": D("792.13"), "pension_plan": D("792.13")}),
    ),
    (
        "synthetic stand-in split 60/40 with an odd cent",
        LineFacts("synthetic_standin", dt.date(2024, 9, 3), D("0.01"), "day_performer"),
        Terms(currency="USD", ph_rate=D("0"), fund_split={"health_plan": D("0.6"), "pension_plan": D("0.4")}),
        (D("0.00"), D("0.00"), {"health_plan": D("7.22"), "pension_plan": D("4.82")}),
    ),
    (
        "half a cent rounds up",
        LineFacts("replica_use", dt.date(2025, 8, 12), D("1"), "day_performer", D("1"), negotiated_amount=D("0.01")),
        Terms(currency="USD", ph_rate=D("0.5"), fund_split={"h": D("1")}),
        (D("0.01"), D("0.01"), {}),
    ),
]


@pytest.mark.parametrize(("facts", "terms", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hand_computed_cases(facts, terms, expected):
    rated = rate_line(facts, terms, scale)
    assert (rated.performer_pay, rated.ph_contribution, rated.fund_shares) == expected
    assert rated.explanation


def test_worked_example_explains_its_arithmetic():
    rated = rate_line(CASES[0][1], TVTH, scale)
    assert rated.explanation.startswith("max(own 1100, day scale 1246) × 3 days = 3738.00")


def test_no_rate_in_force_is_a_rating_error():
    with pytest.raises(RatingError, match="no day_performer rate on 2020-01-01"):
        rate_line(LineFacts("replica_use", dt.date(2020, 1, 1), D("1"), estimated_days=D("1")), TVTH, scale)


def test_streaming_views_are_not_usage_billing():
    with pytest.raises(RatingError):
        rate_line(LineFacts("streaming_views", dt.date(2025, 1, 1), D("1000")), TVTH, scale)


@pytest.mark.parametrize(
    ("amount", "unit", "daily"),
    [
        (D("1100"), "day", D("1100")),
        (D("5500"), "week", D("1100.00")),  # a weekly performer works five days a week
        (D("1001"), "week", D("200.20")),
        (D("4999.99"), "week", D("1000.00")),  # 999.998, rounded once, half up
        (D("9000"), "flat", None),
        (None, "", None),
    ],
)
def test_own_daily_rate_from_the_grants_compensation(amount, unit, daily):
    assert own_daily_rate(amount, unit) == daily


def test_round_money_is_half_up_to_the_cent():
    assert [round_money(D(x)) for x in ("0.005", "0.004", "1.115", "-0.005", "2.675")] == [
        D("0.01"),
        D("0.00"),
        D("1.12"),
        D("-0.01"),
        D("2.68"),
    ]


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot mix USD and EUR"):
        Money(D("1"), "USD") + Money(D("1"), "EUR")


@given(
    total=st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: D(c) / 100),
    weights=st.lists(st.integers(min_value=0, max_value=1000).map(D), min_size=1, max_size=8).filter(
        lambda w: sum(w) > 0
    ),
)
def test_splits_add_up_exactly(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert all(round_money(p) == p for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


@given(
    units=st.integers(min_value=1, max_value=500).map(lambda u: D(u) / 10),
    own=st.integers(min_value=0, max_value=500_000).map(lambda c: D(c) / 100),
    day=st.dates(min_value=dt.date(2023, 11, 9), max_value=dt.date(2028, 12, 31)),
)
def test_rating_is_deterministic_and_in_cents(units, own, day):
    facts = LineFacts("replica_use", day, D("1"), "day_performer", units, own_daily_rate=own)
    first, second = rate_line(facts, TVTH_PH, scale), rate_line(facts, TVTH_PH, scale)
    assert first == second
    assert round_money(first.performer_pay) == first.performer_pay
    assert first.performer_pay >= round_money(scale("day_performer", "day", day).amount * units)
