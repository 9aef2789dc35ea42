"""Pricing by hand-computed cases: every shipped agreement × every kind of use its data covers,
priced from the shipped reference data itself (DOMAIN.md sections 3 to 6), and the refusals
where it cannot be priced.

Reference figures used below (the data migrations ship them):
  TV/Theatrical 2023  day 1,158 / 1,204 / 1,246 from 2023-11-09 / 2024-07-01 / 2025-07-01;
                      weekly 4,019 / 4,180 / 4,326; background 208 / 216 / 224; stand-in 243 / 253 / 262;
                      P&H 21%; successor TV/Theatrical 2026.
  TV/Theatrical 2026  day 1,283 from 2026-07-01, 1,321 from 2027-07-01; weekly 4,456 / 4,590;
                      background 224 and stand-in 262 carried from 2025; P&H 21%; ICDR floor at day scale.
  Commercials 2025    session fee 822.30 from 2025-04-01, 855.20 from 2026-04-01; P&H 23.5%;
                      synthetic performer 1.5 × the session fee.
  Interactive 2025    day 1,269.17 / 1,307.25 / 1,346.47 / 1,386.86 from 2025-07-09 / 2025-11-01 /
                      2026-11-01 / 2027-11-01; P&H 17% then 17.5% from 2026-10-01; real-time 7.5 × scale.
  Sound recordings    no scale; no P&H figure; ends 2026-12-31 with no successor.
Fund split everywhere: health 0.5, pension 0.5. Every amount is rounded once, half up, to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.billing import rating
from registry.billing.documents import DocumentTotals, _add
from registry.billing.money import round_money
from registry.terms.models import Agreement
from registry.terms.pricing import Gap, line_facts, price_changes
from registry.terms.selectors import PriceBook
from tests.billing.conftest import ensure_reference_terms

pytestmark = pytest.mark.django_db

DATE = dt.date
TV23, TV26, COM, GAMES, SOUND = (
    "tvth-2023",
    "tvth-2026",
    "commercials-2025",
    "interactive-2025",
    "sound-recordings-2021",
)
EBDR, ICDR = "employment_based", "independently_created"


def facts(kind, day, units="1", *, role="", days=None, comp=None, unit="day", per_use=False, origin="", stated=None,
          flat_charged=False):  # fmt: skip
    return line_facts(
        kind=kind,
        use_date=day,
        units=D(units),
        role_category=role,
        estimated_days=D(days) if days is not None else None,
        stated_amount=D(stated) if stated is not None else None,
        compensation_amount=D(comp) if comp is not None else None,
        compensation_unit=unit if comp is not None else "",
        negotiated_per_use=per_use,
        replica_origin=origin,
        flat_fee_charged=flat_charged,
    )


def half(total: str) -> dict[str, D]:
    return {"health_plan": D(total), "pension_plan": D(total)}


# (id, agreement the grant was signed under, facts, (performer pay, P&H, fund shares))
PRICED = [
    # --- TV/Theatrical 2023 -----------------------------------------------------------------
    ("tv23 worked example: EBDR 2025-08-12, signed 1,100/day < scale 1,246, 3 days",
     TV23, facts("replica_use", DATE(2025, 8, 12), days="3", comp="1100", origin=EBDR),
     # max(1,100 × 3 = 3,300; 1,246 × 3 = 3,738) = 3,738.00; P&H 0.21 × 3,738 = 784.98
     ("3738.00", "784.98", {})),
    ("tv23 EBDR, the signed rate beats scale",
     TV23, facts("replica_use", DATE(2025, 8, 12), days="2", comp="2000", origin=EBDR),
     # max(2,000 × 2 = 4,000; 1,246 × 2 = 2,492) = 4,000.00; P&H 0.21 × 4,000 = 840.00
     ("4000.00", "840.00", {})),
    ("tv23 EBDR, a weekly signed rate is five days' pay",
     TV23, facts("replica_use", DATE(2024, 9, 3), days="2", comp="5500", unit="week", origin=EBDR),
     # signed 5,500 / 5 = 1,100 × 2 = 2,200 < 1,204 × 2 = 2,408 -> 2,408.00; P&H 0.21 × 2,408 = 505.68
     ("2408.00", "505.68", {})),
    ("tv23 ICDR: the signed price, no floor under the 2023 agreement",
     TV23, facts("replica_use", DATE(2025, 1, 10), "2", comp="900", unit="use", origin=ICDR),
     # 900 per use × 2 uses = 1,800.00 (no floor); P&H 0.21 × 1,800 = 378.00
     ("1800.00", "378.00", {})),
    ("tv23 background replica used as a principal: principal day scale",
     TV23, facts("replica_use", DATE(2025, 8, 12), role="background_actor", days="2", comp="224", origin=EBDR),
     # max(224 × 2 = 448; day scale 1,246 × 2 = 2,492) = 2,492.00; P&H 0.21 × 2,492 = 523.32
     ("2492.00", "523.32", {})),
    ("tv23 voice replica use: rated like a replica use",
     TV23, facts("voice_replica_use", DATE(2025, 8, 12), days="3", comp="1100", origin=EBDR),
     # as the worked example: 3,738.00; P&H 784.98
     ("3738.00", "784.98", {})),
    ("tv23 scan session: at least a day at scale",
     TV23, facts("scan_session", DATE(2025, 3, 3), comp="1000", unit="session"),
     # max(1,000 × 1; 1,204 × 1) = 1,204.00; P&H 0.21 × 1,204 = 252.84
     ("1204.00", "252.84", {})),
    ("tv23 background actor called only to be scanned: a background day per session",
     TV23, facts("scan_session", DATE(2025, 3, 3), "2", role="background_actor", comp="200", unit="session"),
     # max(200 × 2 = 400; 216 × 2 = 432) = 432.00; P&H 0.21 × 432 = 90.72
     ("432.00", "90.72", {})),
    ("tv23 real-time generation at day scale (no multiplier in TV/Theatrical)",
     TV23, facts("realtime_generation", DATE(2025, 8, 12), "2", comp="1300", origin=EBDR),
     # max(1,300 × 2 = 2,600; 1,246 × 2 = 2,492) = 2,600.00; P&H 0.21 × 2,600 = 546.00
     ("2600.00", "546.00", {})),
    ("tv23 digital alteration: the registry's floor, a day at scale",
     TV23, facts("digital_alteration", DATE(2024, 12, 1), comp="500", unit="session"),
     # max(500; 1,204) = 1,204.00; P&H 252.84
     ("1204.00", "252.84", {})),
    ("tv23 flat-fee training grant, first line carries the fee",
     TV23, facts("training_use", DATE(2025, 2, 1), comp="25000", unit="flat"),
     # flat 25,000.00 once; P&H 0.21 × 25,000 = 5,250.00
     ("25000.00", "5250.00", {})),
    ("tv23 flat-fee training grant, fee already charged",
     TV23, facts("training_use", DATE(2025, 3, 1), comp="25000", unit="flat", flat_charged=True),
     # covered by the fee on the earlier line: 0.00, P&H 0.00
     ("0.00", "0.00", {})),
    ("tv23 training per run",
     TV23, facts("training_use", DATE(2025, 2, 1), "4", comp="3000", unit="training_run"),
     # 3,000 × 4 runs = 12,000.00; P&H 0.21 × 12,000 = 2,520.00
     ("12000.00", "2520.00", {})),
    ("tv23 training as a share of licence revenue",
     TV23, facts("training_use", DATE(2025, 2, 1), comp="0.05", unit="revenue_share", stated="200000"),
     # 0.05 × 200,000 = 10,000.00; P&H 0.21 × 10,000 = 2,100.00
     ("10000.00", "2100.00", {})),
    ("tv23 worked example: synthetic day performer 2024-09-03, 2 days",
     TV23, facts("synthetic_standin", DATE(2024, 9, 3), "2", role="day_performer"),
     # 1,204 × 2 = 2,408.00; contributions 0.21 × 2,408 = 505.68; 2,913.68 to the funds, 1,456.84 each
     ("0.00", "0.00", half("1456.84"))),
    ("tv23 synthetic weekly performer: weekly scale / 5 a day",
     TV23, facts("synthetic_standin", DATE(2025, 8, 12), "3", role="weekly_performer"),
     # 4,326 / 5 = 865.20 × 3 = 2,595.60; contributions 0.21 × 2,595.60 = 545.076 -> 545.08;
     # 3,140.68 to the funds, 1,570.34 each
     ("0.00", "0.00", half("1570.34"))),
    ("tv23 synthetic background actor",
     TV23, facts("synthetic_standin", DATE(2024, 1, 15), role="background_actor"),
     # 208 × 1 = 208.00; contributions 43.68; 251.68 to the funds, 125.84 each
     ("0.00", "0.00", half("125.84"))),
    ("tv23 synthetic stand-in",
     TV23, facts("synthetic_standin", DATE(2025, 1, 15), "2", role="stand_in"),
     # 253 × 2 = 506.00; contributions 106.26; 612.26 to the funds, 306.13 each
     ("0.00", "0.00", half("306.13"))),
    ("tv23 price negotiated per use, stated above the signed minimum and the floor",
     TV23, facts("replica_use", DATE(2025, 8, 12), days="1", comp="1000", unit="use", per_use=True, origin=EBDR,
                 stated="1500"),
     # least = max(1,000 × 1, 1,246 × 1) = 1,246; stated 1,500 -> 1,500.00; P&H 315.00
     ("1500.00", "315.00", {})),
    # --- TV/Theatrical 2026 -----------------------------------------------------------------
    ("a 2023 grant used in 2026-08: priced under the successor TV/Theatrical 2026",
     TV23, facts("replica_use", DATE(2026, 8, 10), days="3", comp="1100", origin=EBDR),
     # max(1,100; 1,283) × 3 = 3,849.00; P&H 0.21 × 3,849 = 808.29
     ("3849.00", "808.29", {})),
    ("tv26 ICDR: the signed price, not below day scale",
     TV26, facts("replica_use", DATE(2026, 9, 1), days="2", comp="800", origin=ICDR),
     # max(800 × 2 = 1,600; 1,283 × 2 = 2,566) = 2,566.00; P&H 0.21 × 2,566 = 538.86
     ("2566.00", "538.86", {})),
    ("tv26 weekly synthetic stand-in",
     TV26, facts("synthetic_standin", DATE(2026, 8, 3), "5", role="weekly_performer"),
     # 4,456 / 5 = 891.20 × 5 = 4,456.00; contributions 935.76; 5,391.76 to the funds, 2,695.88 each
     ("0.00", "0.00", half("2695.88"))),
    ("tv26 synthetic background actor at the carried 2025 rate",
     TV26, facts("synthetic_standin", DATE(2026, 9, 1), "2", role="background_actor"),
     # 224 × 2 = 448.00; contributions 94.08; 542.08 to the funds, 271.04 each
     ("0.00", "0.00", half("271.04"))),
    ("tv26 real-time generation in 2027",
     TV26, facts("realtime_generation", DATE(2027, 8, 1), comp="1000", origin=EBDR),
     # max(1,000; 1,321) = 1,321.00; P&H 0.21 × 1,321 = 277.41
     ("1321.00", "277.41", {})),
    # --- Commercials 2025 -------------------------------------------------------------------
    ("commercial replica use: the session fee is the scale per spot",
     COM, facts("replica_use", DATE(2025, 6, 10), "2", comp="700", unit="use", origin=EBDR),
     # max(700 × 2 = 1,400; 822.30 × 2 = 1,644.60) = 1,644.60; P&H 0.235 × 1,644.60 = 386.481 -> 386.48
     ("1644.60", "386.48", {})),
    ("commercial replica use above scale, after the April 2026 fee",
     COM, facts("replica_use", DATE(2026, 5, 1), comp="1000", unit="use", origin=EBDR),
     # max(1,000; 855.20) = 1,000.00; P&H 235.00
     ("1000.00", "235.00", {})),
    ("commercial synthetic performer: 1.5 × the session fee plus contributions",
     COM, facts("synthetic_standin", DATE(2026, 5, 1), role="commercial_session"),
     # 855.20 × 1.5 = 1,282.80; contributions 0.235 × 1,282.80 = 301.458 -> 301.46;
     # 1,584.26 to the funds, 792.13 each
     ("0.00", "0.00", half("792.13"))),
    ("commercial scan session paid as a session",
     COM, facts("scan_session", DATE(2025, 6, 10), comp="500", unit="session"),
     # max(500; 822.30) = 822.30; P&H 0.235 × 822.30 = 193.2405 -> 193.24
     ("822.30", "193.24", {})),
    ("commercial alteration floored at a session fee",
     COM, facts("digital_alteration", DATE(2025, 6, 10), comp="300", unit="session"),
     # max(300; 822.30) = 822.30; P&H 193.24
     ("822.30", "193.24", {})),
    ("commercial flat-fee training",
     COM, facts("training_use", DATE(2025, 6, 10), comp="5000", unit="flat"),
     # 5,000.00; P&H 0.235 × 5,000 = 1,175.00
     ("5000.00", "1175.00", {})),
    ("commercial real-time generation floored at the session fee",
     COM, facts("realtime_generation", DATE(2025, 9, 1), "3", comp="100", unit="session", origin=EBDR),
     # max(100 × 3 = 300; 822.30 × 3 = 2,466.90) = 2,466.90; P&H 0.235 × 2,466.90 = 579.7215 -> 579.72
     ("2466.90", "579.72", {})),
    # --- Interactive Media 2025 -------------------------------------------------------------
    ("games real-time line: 7.5 × day scale",
     GAMES, facts("realtime_generation", DATE(2025, 12, 1), comp="1000", origin=EBDR),
     # 1,307.25 × 7.5 = 9,804.375 > 1,000 -> 9,804.38; P&H 0.17 × 9,804.38 = 1,666.7446 -> 1,666.74
     ("9804.38", "1666.74", {})),
    ("games real-time after the November 2026 rise, at 17.5% P&H",
     GAMES, facts("realtime_generation", DATE(2026, 11, 15), "2", comp="1000", unit="session", origin=EBDR),
     # 1,346.47 × 7.5 = 10,098.525 × 2 = 20,197.05; P&H 0.175 × 20,197.05 = 3,534.48375 -> 3,534.48
     ("20197.05", "3534.48", {})),
    ("games replica use at day scale",
     GAMES, facts("replica_use", DATE(2025, 8, 1), days="2", comp="1000", origin=EBDR),
     # max(2,000; 1,269.17 × 2 = 2,538.34) = 2,538.34; P&H 0.17 × 2,538.34 = 431.5178 -> 431.52
     ("2538.34", "431.52", {})),
    ("games scan session, P&H 17.5% from 2026-10-01",
     GAMES, facts("scan_session", DATE(2026, 10, 15), comp="1500", unit="session"),
     # max(1,500; 1,307.25) = 1,500.00; P&H 0.175 × 1,500 = 262.50
     ("1500.00", "262.50", {})),
    ("games synthetic performer at day scale",
     GAMES, facts("synthetic_standin", DATE(2026, 1, 10), role="day_performer"),
     # 1,307.25; contributions 0.17 × 1,307.25 = 222.2325 -> 222.23; 1,529.48 to the funds, 764.74 each
     ("0.00", "0.00", half("764.74"))),
    ("games alteration floored at day scale",
     GAMES, facts("digital_alteration", DATE(2027, 12, 1), comp="100", unit="session"),
     # max(100; 1,386.86) = 1,386.86; P&H 0.175 × 1,386.86 = 242.7005 -> 242.70
     ("1386.86", "242.70", {})),
    ("games training per run",
     GAMES, facts("training_use", DATE(2027, 1, 1), "2", comp="2000", unit="training_run"),
     # 2,000 × 2 = 4,000.00; P&H 0.175 × 4,000 = 700.00
     ("4000.00", "700.00", {})),
    # --- Sound recordings 2021 --------------------------------------------------------------
    ("synthetic voice track: the royalty a human vocal earns, per track",
     SOUND, facts("synthetic_voice_track", DATE(2025, 5, 1), "4", stated="150"),
     # 150 × 4 = 600.00 to the funds, no P&H figure: 300.00 each
     ("0.00", "0.00", half("300.00"))),
    ("sound recordings voice replica: the signed price, no scale",
     SOUND, facts("voice_replica_use", DATE(2026, 3, 1), "3", comp="400", unit="use", origin=EBDR),
     # 400 × 3 = 1,200.00; no P&H
     ("1200.00", "0.00", {})),
]  # fmt: skip

REFUSED = [
    ("a studio-stated amount below the signed minimum",
     TV23, facts("replica_use", DATE(2025, 8, 12), days="1", comp="1000", unit="use", per_use=True, origin=EBDR,
                 stated="1100"),
     # least = max(1,000, 1,246) = 1,246 > 1,100
     Gap.BELOW_SIGNED_MINIMUM),
    ("a line stating its own price where the signed terms fix it (100.00 for a 3,738.00 use)",
     TV23, facts("replica_use", DATE(2025, 8, 12), days="3", comp="1100", origin=EBDR, stated="100"),
     Gap.AMOUNT_NOT_NEGOTIABLE),
    ("a price negotiated per use, and the line states none",
     TV23, facts("replica_use", DATE(2025, 8, 12), days="1", comp="1000", unit="use", per_use=True),
     Gap.AMOUNT_REQUIRED),
    ("a synthetic commercial-session role under TV/Theatrical has no rule",
     TV23, facts("synthetic_standin", DATE(2025, 8, 12), role="commercial_session"), Gap.NO_RULE),
    ("a synthetic stand-in under Sound Recordings has no rule",
     SOUND, facts("synthetic_standin", DATE(2025, 8, 12), role="day_performer"), Gap.NO_RULE),
    ("use after Sound Recordings 2021 ended, with no successor named",
     SOUND, facts("voice_replica_use", DATE(2027, 2, 1), comp="400", unit="use"), Gap.NO_AGREEMENT),
    ("a revenue share with no revenue on the line",
     SOUND, facts("training_use", DATE(2026, 3, 1), comp="0.05", unit="revenue_share"), Gap.AMOUNT_REQUIRED),
    ("no scale before the agreement's first period",
     GAMES, facts("replica_use", DATE(2025, 7, 1), comp="100", origin=EBDR), Gap.NO_RATE),
    ("a replica use with no signed compensation and no scale",
     SOUND, facts("replica_use", DATE(2025, 3, 1)), Gap.NO_COMPENSATION),
]  # fmt: skip


@pytest.fixture
def book() -> PriceBook:
    ensure_reference_terms()
    return PriceBook()


def price(book: PriceBook, code: str, f, seed=None) -> rating.Rated:
    in_force = book.in_force(Agreement.objects.get(code=code).pk, f.use_date)
    return rating.rate_line(f, in_force.pricing.terms, in_force.pricing.scale, seed=seed)


def test_the_table_covers_every_agreement_and_kind():
    covered = {(code, f.kind) for _, code, f, _ in PRICED}
    assert len(PRICED) + len(REFUSED) >= 30
    for code in (TV23, COM, GAMES):
        for kind in ("replica_use", "scan_session", "realtime_generation", "digital_alteration", "training_use",
                     "synthetic_standin"):  # fmt: skip
            assert (code, kind) in covered, (code, kind)


@pytest.mark.parametrize(("case", "code", "f", "expected"), PRICED, ids=[c[0] for c in PRICED])
def test_priced_to_the_cent(book, case, code, f, expected):
    pay, ph, funds = expected
    rated = price(book, code, f)
    assert (rated.performer_pay, rated.ph_contribution, rated.fund_shares) == (D(pay), D(ph), funds), rated.explanation


@pytest.mark.parametrize(("case", "code", "f", "gap"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_what_is_missing(book, case, code, f, gap):
    with pytest.raises(rating.RatingError) as caught:
        price(book, code, f)
    assert caught.value.code == gap
    assert caught.value.remedy  # says who must add what


def test_successor_is_named_in_the_provenance(book):
    in_force = book.in_force(Agreement.objects.get(code=TV23).pk, DATE(2026, 8, 10))
    assert in_force.pricing.agreement.code == TV26
    assert in_force.signed_under == TV23
    assert "priced under its successor tvth-2026" in in_force.note


def test_worked_example_explains_its_arithmetic(book):
    rated = price(book, TV23, PRICED[0][2])
    assert rated.explanation.startswith(
        "EBDR: max(signed 1100/day × 3 = 3300.00; floor day_performer scale 1246.00/day × 3 = 3738.00) = 3738.00"
    )
    assert rated.explanation.endswith("P&H 0.2100 × 3738.00 = 784.98")
    assert rated.rule["scale"] == "day_performer/day"


def test_streaming_views_are_not_usage_billing(book):
    with pytest.raises(rating.RatingError):
        price(book, TV23, facts("streaming_views", DATE(2025, 1, 1), "1000"))


# --- Fair splits ------------------------------------------------------------------------------
SPLITS = [
    {"health_plan": D("0.5"), "pension_plan": D("0.5")},
    {"health_plan": D("0.6"), "pension_plan": D("0.4")},
    {"health_plan": D("0.3334"), "pension_plan": D("0.3333"), "retirement": D("0.3333")},
]


@settings(max_examples=200, deadline=None)
@given(
    doc_id=st.text(alphabet="abcdefghijklmnop0123456789", min_size=4, max_size=12),
    split=st.sampled_from(SPLITS),
    lines=st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=40),
)
def test_no_fund_is_favoured_by_more_than_a_cent_per_document(doc_id, split, lines):
    """Split per document: each fund's amount is within one cent of its exact share of what the
    document sends the funds, whatever the lines, and the parts add up exactly."""
    terms = rating.Terms(currency="USD", fund_split=split)
    totals = DocumentTotals()
    for cents in lines:
        _add(totals, None, rating.Rated(D("0.00"), D(cents) / 100), terms, D(1))
    by_fund = totals.by_fund(f"inv_{doc_id}")
    whole = sum((D(c) / 100 for c in lines), D("0.00"))
    assert sum(by_fund.values()) == whole
    weight = sum(split.values())
    for fund, share in split.items():
        assert abs(by_fund[fund] - whole * share / weight) < D("0.01")


def test_odd_cents_go_to_each_fund_about_half_the_time():
    """1,000 documents each sending an odd number of cents to a 50/50 split: the odd cent's
    order is drawn from the document id, so each fund gets it about half the time (the old
    line-by-line split gave every one to the health plan)."""
    split = {"health_plan": D("0.5"), "pension_plan": D("0.5")}
    health_first = sum(
        rating.fund_split(D("0.03"), split, seed=f"inv_{n:06d}")["health_plan"] == D("0.02") for n in range(1000)
    )
    assert 450 <= health_first <= 550
    # The same document always splits the same way.
    assert rating.fund_split(D("0.03"), split, seed="inv_x") == rating.fund_split(D("0.03"), split, seed="inv_x")


@given(
    units=st.integers(min_value=1, max_value=500).map(lambda u: D(u) / 10),
    own=st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100),
    day=st.dates(min_value=dt.date(2023, 11, 9), max_value=dt.date(2026, 6, 30)),
)
# The price book only reads: sharing it between examples is what is wanted.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_an_ebdr_use_never_pays_below_scale(book, units, own, day):
    f = facts("replica_use", day, days=str(units), comp=str(own), origin=EBDR)
    first, second = price(book, TV23, f), price(book, TV23, f)
    assert first == second
    assert round_money(first.performer_pay) == first.performer_pay
    in_force = book.in_force(Agreement.objects.get(code=TV23).pk, day)
    assert first.performer_pay >= round_money(in_force.pricing.scale("day_performer", "day", day).amount * units)


# --- Rating by groups (issue 24): a line priced alike is rated once --------------------------
def test_price_changes_are_each_period_start_and_the_day_after_its_end():
    changes = price_changes([(DATE(2025, 7, 1), None), (DATE(2024, 7, 1), DATE(2025, 6, 30))])
    assert changes == (DATE(2024, 7, 1), DATE(2025, 7, 1))
    # A period that ends without a successor: the day after it, nothing is in force.
    assert price_changes([(DATE(2024, 1, 1), DATE(2024, 1, 31))]) == (DATE(2024, 1, 1), DATE(2024, 2, 1))


_TEMPLATE = st.tuples(
    st.sampled_from([TV23, TV26, COM, GAMES, SOUND]),
    st.sampled_from(
        [
            "replica_use",
            "scan_session",
            "realtime_generation",
            "digital_alteration",
            "training_use",
            "synthetic_standin",
            "synthetic_voice_track",
        ]
    ),
    st.sampled_from(["1", "2", "2.50"]),
    st.sampled_from([None, "900", "1100"]),
    st.sampled_from(["day", "use", "flat", "session"]),
    st.sampled_from([EBDR, ICDR]),
)


@given(
    templates=st.lists(_TEMPLATE, min_size=1, max_size=3),
    lines=st.lists(
        st.tuples(st.integers(0, 2), st.dates(min_value=dt.date(2023, 10, 1), max_value=dt.date(2028, 1, 31))),
        min_size=1,
        max_size=40,
    ),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rating_by_groups_answers_as_rating_each_line(book, templates, lines):
    """Over the shipped agreements' real price changes (scale and P&H periods, successors, an
    agreement that ends), a group's answer is the line's own answer to the cent and word, and
    a line that cannot be priced is refused with its own message (its date in it). A few sets
    of facts over many dates, so that lines share groups."""
    group_rating = rating.GroupRating()
    for n, (which, day) in enumerate(lines):
        code, kind, units, comp, unit, origin = templates[which % len(templates)]
        f = facts(kind, day, units, days=units, comp=comp, unit=unit, origin=origin)
        try:
            alone = price(book, code, f, seed=n)
        except rating.RatingError as exc:
            alone = exc
        in_force = None
        try:
            in_force = book.in_force(Agreement.objects.get(code=code).pk, day)
            p = in_force.pricing
            grouped = group_rating.rate(f, p.terms, p.scale, p.price_changes, terms_key=p.agreement.pk, seed=n)
        except rating.RatingError as exc:
            grouped = exc
        if isinstance(alone, rating.RatingError):
            assert isinstance(grouped, rating.RatingError)
            assert (str(grouped), grouped.code) == (str(alone), alone.code)
        else:
            assert grouped == alone


def test_lines_priced_alike_are_rated_once_and_a_price_change_starts_a_new_group(book):
    group_rating = rating.GroupRating()
    in_force = book.in_force(Agreement.objects.get(code=TV23).pk, DATE(2025, 8, 12))
    p = in_force.pricing

    def rate(day, days="3"):
        f = facts("replica_use", day, days=days, comp="1100", origin=EBDR)
        return group_rating.rate(f, p.terms, p.scale, p.price_changes, terms_key=p.agreement.pk, seed=1)

    # Day scale 1,246 from 2025-07-01: three dates after it are one group.
    first = rate(DATE(2025, 8, 12))
    assert rate(DATE(2025, 9, 1)) is first and rate(DATE(2025, 12, 31)) is first
    assert group_rating.rated == 1
    # Before 2025-07-01 the scale was 1,204: another group, another price.
    earlier = rate(DATE(2025, 6, 30))
    assert group_rating.rated == 2 and earlier.performer_pay == D("3612.00")
    # Other facts, another group.
    assert rate(DATE(2025, 8, 12), days="2").performer_pay == D("2492.00")
    assert group_rating.rated == 3
    # Equal amounts written differently are apart: the explanation prints them as given.
    assert "× 3.00 =" in rate(DATE(2025, 8, 12), days="3.00").explanation
    assert group_rating.rated == 4


def test_synthetic_lines_are_rated_one_by_one_with_their_own_seed(book):
    """A synthetic performer's royalty is split between funds in an order drawn from the line:
    grouping those lines would give every line of a group the same odd cent."""
    group_rating = rating.GroupRating()
    p = book.in_force(Agreement.objects.get(code=COM).pk, DATE(2026, 5, 1)).pricing
    f = facts("synthetic_standin", DATE(2026, 5, 1), "1")
    for seed in range(5):
        rated = group_rating.rate(f, p.terms, p.scale, p.price_changes, terms_key=p.agreement.pk, seed=seed)
        assert rated == price(book, COM, f, seed=seed)
    assert group_rating.rated == 5


def test_the_groups_held_are_bounded(book):
    group_rating = rating.GroupRating(limit=3)
    p = book.in_force(Agreement.objects.get(code=TV23).pk, DATE(2025, 8, 12)).pricing
    for n in range(1, 8):
        f = facts("replica_use", DATE(2025, 8, 12), days=str(n), comp="1100", origin=EBDR)
        group_rating.rate(f, p.terms, p.scale, p.price_changes, terms_key=p.agreement.pk)
    assert len(group_rating._rated) <= 3 and group_rating.rated == 7
