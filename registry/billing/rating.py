"""Rating: what a usage line costs under DOMAIN.md section 3. Pure functions, Decimal only.

The caller supplies the facts of the line, the agreement's terms and a `scale` lookup (the
rate card in force on a date); rating answers with the performer's pay, the P&H contribution,
what goes to each union fund, and a one-line explanation of the arithmetic, so every cent on
an invoice can be traced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from registry.billing.money import round_money, split_largest_remainder
from registry.core.vocabulary.consent import CompensationUnit
from registry.core.vocabulary.terms import RateUnit, RoleCategory
from registry.core.vocabulary.usage import UsageKind

ZERO = Decimal("0.00")

# Days in a week for a weekly performer's pro-rata daily rate.
WORK_DAYS_PER_WEEK = Decimal(5)


class RatingError(ValueError):
    """The line cannot be rated (e.g. no rate in force); the billing run reports it."""


@dataclass(frozen=True)
class ScaleRate:
    rate_card_id: int | None
    role_category: RoleCategory
    unit: RateUnit
    amount: Decimal
    currency: str


Scale = Callable[[RoleCategory, RateUnit, dt.date], ScaleRate]  # (role, unit, date) -> rate in force


@dataclass(frozen=True)
class Terms:
    currency: str
    ph_rate: Decimal
    fund_split: Mapping[str, Decimal]
    synthetic_multiplier: Decimal = Decimal("1")
    realtime_multiplier: Decimal = Decimal("1")
    icdr_floor_day_scale: bool = False


@dataclass(frozen=True)
class LineFacts:
    kind: UsageKind
    use_date: dt.date
    units: Decimal
    role_category: str = ""
    estimated_days: Decimal | None = None
    own_daily_rate: Decimal | None = None  # the performer's pro-rata daily rate from the grant
    negotiated_amount: Decimal | None = None
    grant_compensation: Decimal | None = None  # the grant's agreed amount (e.g. per training run)
    grant_compensation_unit: str = ""


@dataclass(frozen=True)
class Rated:
    performer_pay: Decimal
    ph_contribution: Decimal
    fund_shares: dict[str, Decimal] = field(default_factory=dict)
    rate_card_id: int | None = None
    explanation: str = ""

    @property
    def total(self) -> Decimal:
        return self.performer_pay + self.ph_contribution + sum(self.fund_shares.values(), ZERO)


def own_daily_rate(compensation_amount: Decimal | None, compensation_unit: str) -> Decimal | None:
    """The performer's pro-rata daily rate from the compensation their grant agreed, when it is
    a day or week rate (a weekly performer works five days a week); None otherwise."""
    if compensation_unit == CompensationUnit.DAY:
        return compensation_amount
    if compensation_unit == CompensationUnit.WEEK:
        return round_money(compensation_amount / WORK_DAYS_PER_WEEK)
    return None


def _days(facts: LineFacts) -> Decimal:
    """The studio's good-faith estimate of days, or the units reported."""
    return facts.estimated_days if facts.estimated_days is not None else facts.units


def _with_ph(pay: Decimal, terms: Terms, rate_card_id: int | None, explanation: str) -> Rated:
    pay = round_money(pay)
    ph = round_money(pay * terms.ph_rate)
    return Rated(
        performer_pay=pay,
        ph_contribution=ph,
        rate_card_id=rate_card_id,
        explanation=f"{explanation}; P&H {terms.ph_rate} × {pay} = {ph}",
    )


def fund_split(amount: Decimal, split: Mapping[str, Decimal]) -> dict[str, Decimal]:
    funds = sorted(split)
    parts = split_largest_remainder(amount, [Decimal(str(split[f])) for f in funds])
    return dict(zip(funds, parts, strict=True))


def rate_replica_use(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """EBDR use: max(own pro-rata daily, day scale on the use date) × good-faith days (3.1);
    a background replica used as a principal is paid at principal day scale (3.2);
    an ICDR at its negotiated amount, not below the agreement's floor (3.3)."""
    day = scale(RoleCategory.DAY_PERFORMER, RateUnit.DAY, f.use_date)
    days = _days(f)
    if f.negotiated_amount is not None:
        floor = day.amount * days if terms.icdr_floor_day_scale else ZERO
        pay = max(f.negotiated_amount, floor)
        return _with_ph(
            pay,
            terms,
            day.rate_card_id,
            f"ICDR max(negotiated {f.negotiated_amount}, floor {round_money(floor)}) = {round_money(pay)}",
        )
    own = (
        f.own_daily_rate if f.own_daily_rate is not None and f.role_category != RoleCategory.BACKGROUND_ACTOR else ZERO
    )
    daily = max(own, day.amount)
    return _with_ph(
        daily * days,
        terms,
        day.rate_card_id,
        f"max(own {own}, day scale {day.amount}) × {days} days = {round_money(daily * days)}",
    )


def rate_scan_session(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Scan time is work time, at least one day at max(own, day scale) (3.2); a background
    actor called only to be scanned gets one full background day per session."""
    if f.role_category == RoleCategory.BACKGROUND_ACTOR:
        bg = scale(RoleCategory.BACKGROUND_ACTOR, RateUnit.DAY, f.use_date)
        return _with_ph(
            bg.amount * f.units,
            terms,
            bg.rate_card_id,
            f"background day {bg.amount} × {f.units} sessions = {round_money(bg.amount * f.units)}",
        )
    day = scale(RoleCategory.DAY_PERFORMER, RateUnit.DAY, f.use_date)
    own = f.own_daily_rate or ZERO
    days = max(f.units, Decimal(1))
    daily = max(own, day.amount)
    return _with_ph(
        daily * days,
        terms,
        day.rate_card_id,
        f"scan: max(own {own}, day scale {day.amount}) × {days} days = {round_money(daily * days)}",
    )


def rate_realtime(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Real-time generation: at least the multiplier × applicable scale (3.4)."""
    day = scale(RoleCategory.DAY_PERFORMER, RateUnit.DAY, f.use_date)
    own = f.own_daily_rate or ZERO
    base = max(own, day.amount)
    pay = base * terms.realtime_multiplier * f.units
    return _with_ph(
        pay,
        terms,
        day.rate_card_id,
        f"real-time {terms.realtime_multiplier} × max(own {own}, scale {day.amount}) × {f.units} = {round_money(pay)}",
    )


def rate_training(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Training: the grant's negotiated terms (3.6): an amount the line states, else the grant's
    per-run fee × runs, else its flat fee once."""
    if f.negotiated_amount is not None:
        return _with_ph(f.negotiated_amount, terms, None, f"negotiated training fee {f.negotiated_amount}")
    if f.grant_compensation is None:
        raise RatingError("training use needs a negotiated amount on the line or in the grant")
    if f.grant_compensation_unit == CompensationUnit.TRAINING_RUN:
        pay = f.grant_compensation * f.units
        return _with_ph(pay, terms, None, f"{f.grant_compensation} per run × {f.units} runs = {round_money(pay)}")
    return _with_ph(f.grant_compensation, terms, None, f"flat training fee {f.grant_compensation}")


def rate_alteration(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Digital alteration with consent: its negotiated amount, else a day at day scale per unit
    (the registry's default; the agreements publish no figure)."""
    if f.negotiated_amount is not None:
        return _with_ph(f.negotiated_amount, terms, None, f"negotiated alteration fee {f.negotiated_amount}")
    day = scale(RoleCategory.DAY_PERFORMER, RateUnit.DAY, f.use_date)
    return _with_ph(
        day.amount * f.units,
        terms,
        day.rate_card_id,
        f"alteration: day scale {day.amount} × {f.units} = {round_money(day.amount * f.units)}",
    )


def rate_synthetic_standin(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """A synthetic performer in a union role: what a union performer would have been paid at
    scale for the role and units on that date, × the multiplier, to the funds by the split (3.5).
    Contributions on it go to the funds too."""
    unit = RateUnit.SESSION if f.role_category == RoleCategory.COMMERCIAL_SESSION else RateUnit.DAY
    rate = scale(f.role_category or RoleCategory.DAY_PERFORMER, unit, f.use_date)
    royalty = round_money(rate.amount * f.units * terms.synthetic_multiplier)
    ph = round_money(royalty * terms.ph_rate)
    shares = fund_split(royalty + ph, terms.fund_split)
    return Rated(
        performer_pay=ZERO,
        ph_contribution=ZERO,
        fund_shares=shares,
        rate_card_id=rate.rate_card_id,
        explanation=(
            f"synthetic stand-in: {f.role_category} scale {rate.amount} × {f.units} × "
            f"{terms.synthetic_multiplier} = {royalty}; contributions {ph}; to funds {shares}"
        ),
    )


def rate_synthetic_voice(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """A synthetic voice track pays what a human vocal would (3.5): its stated amount per track,
    to the funds."""
    if f.negotiated_amount is None:
        raise RatingError("a synthetic voice track states the royalty a human vocal would earn (negotiated_amount)")
    royalty = round_money(f.negotiated_amount * f.units)
    return Rated(
        performer_pay=ZERO,
        ph_contribution=ZERO,
        fund_shares=fund_split(royalty, terms.fund_split),
        explanation=f"synthetic voice: {f.negotiated_amount} × {f.units} tracks = {royalty}",
    )


RATERS: dict[UsageKind, Callable[[LineFacts, Terms, Scale], Rated]] = {
    UsageKind.REPLICA_USE: rate_replica_use,
    UsageKind.SCAN_SESSION: rate_scan_session,
    UsageKind.REALTIME_GENERATION: rate_realtime,
    UsageKind.TRAINING_USE: rate_training,
    UsageKind.DIGITAL_ALTERATION: rate_alteration,
    UsageKind.SYNTHETIC_STANDIN: rate_synthetic_standin,
    UsageKind.SYNTHETIC_VOICE_TRACK: rate_synthetic_voice,
}


def rate_line(facts: LineFacts, terms: Terms, scale: Scale) -> Rated:
    rater = RATERS.get(facts.kind)
    if rater is None:
        raise RatingError(f"{facts.kind} lines are not rated by usage billing")
    return rater(facts, terms, scale)


def ph_fund_shares(rated: Rated, terms: Terms) -> dict[str, Decimal]:
    """Where a line's P&H contribution goes: the agreement's fund split."""
    return fund_split(rated.ph_contribution, terms.fund_split) if rated.ph_contribution else {}
