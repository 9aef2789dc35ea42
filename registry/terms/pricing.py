"""Pricing: what a use costs under DOMAIN.md sections 3 and 6. Pure functions, Decimal only.

The price starts from what the performer signed (the consent's compensation) and the
agreement's pricing rule for the kind of use: the rule names the scale row that applies, the
divisor that turns it into a unit of use (a weekly scale / 5 = a day), the multiplier (7.5 for
games real-time generation) and whether P&H is added. The scale is a floor, never a
replacement; a usage line states its own amount only where the signed terms say the price is
negotiated per use, and then it is checked against the signed minimum and the floor.

Rating lives here, in terms, rather than in billing: usage prices every line when it is
reported (a line that cannot be priced is refused then, not found unbillable a month later),
and usage sits below billing. registry.billing.rating names it for billing.

The caller (registry.terms.selectors.PriceBook) supplies the agreement's rules, P&H periods and
a `scale` lookup; rating answers with the performer's pay, the P&H contribution, what goes to
the funds, and one line of arithmetic, so every cent on an invoice can be traced.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from registry.core.memo import BoundedMemo
from registry.core.money import round_money, split_largest_remainder
from registry.core.vocabulary.consent import CompensationUnit, ReplicaOrigin
from registry.core.vocabulary.usage import UsageKind

ZERO = Decimal("0.00")
ONE = Decimal(1)
# Days in a week when a weekly rate the performer signed is turned into a day (DOMAIN.md 6).
WORK_DAYS_PER_WEEK = Decimal(5)


class Gap:
    """What is missing when a line cannot be priced: the code a problem carries."""

    NO_RULE = "no_pricing_rule"
    NO_RATE = "no_rate_in_force"
    NO_PH_RATE = "no_ph_rate_in_force"
    NO_AGREEMENT = "no_agreement_in_force"
    NO_COMPENSATION = "no_signed_compensation"
    AMOUNT_REQUIRED = "amount_required"
    AMOUNT_NOT_NEGOTIABLE = "amount_not_negotiable"
    BELOW_SIGNED_MINIMUM = "below_signed_minimum"
    NOT_RATED = "not_rated"


class RatingError(ValueError):
    """The line cannot be priced. `code` is a Gap, `remedy` says who must add what (the union
    a rate or a rule, the studio an amount)."""

    def __init__(self, message: str, *, code: str = Gap.NOT_RATED, remedy: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.remedy = remedy

    @property
    def studio_can_fix(self) -> bool:
        """Whether the studio can fix the line itself (state or correct its amount), or the
        union must add data first."""
        return self.code in {Gap.AMOUNT_REQUIRED, Gap.AMOUNT_NOT_NEGOTIABLE, Gap.BELOW_SIGNED_MINIMUM}

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} {self.remedy}".strip()


@dataclass(frozen=True)
class ScaleRate:
    rate_card_id: int | None
    role_category: str
    unit: str
    amount: Decimal
    currency: str


Scale = Callable[[str, str, dt.date], ScaleRate]  # (role, unit, date) -> rate in force, or RatingError


@dataclass(frozen=True)
class Rule:
    """An agreement's pricing rule for a kind of use (and optionally a role)."""

    usage_kind: str
    role_category: str = ""
    scale_role: str = ""  # empty: no scale applies (training, a synthetic voice track)
    scale_unit: str = ""
    divisor: Decimal = ONE
    multiplier: Decimal = ONE
    ph_applies: bool = True
    rule_id: int | None = None
    confidence: str = ""

    def snapshot(self) -> dict:
        return {
            "id": self.rule_id,
            "usage_kind": self.usage_kind,
            "role_category": self.role_category,
            "scale": f"{self.scale_role}/{self.scale_unit}" if self.scale_role else "",
            "divisor": str(self.divisor),
            "multiplier": str(self.multiplier),
            "ph_applies": self.ph_applies,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class PhPeriod:
    rate: Decimal
    start: dt.date
    end: dt.date | None = None


# A kind of use with no rule of its own is priced by another kind's rule, when the agreement
# has no word of its own for it (DOMAIN.md: a voice replica is used as a replica is).
FALLBACK_KIND = {UsageKind.VOICE_REPLICA_USE: UsageKind.REPLICA_USE}


@dataclass(frozen=True)
class Terms:
    """An agreement's pricing terms: its rules by (kind, role), P&H periods and fund split."""

    currency: str
    fund_split: Mapping[str, Decimal]
    rules: Mapping[tuple[str, str], Rule] = field(default_factory=dict)
    ph_periods: tuple[PhPeriod, ...] = ()
    icdr_floor_day_scale: bool = False
    agreement_code: str = ""

    def rule_for(self, kind: str, role: str) -> Rule:
        for k in (kind, FALLBACK_KIND.get(kind)):
            if k is None:
                continue
            rule = self.rules.get((k, role or "")) or self.rules.get((k, ""))
            if rule is not None:
                return rule
        role_text = f" for a {role}" if role else ""
        raise RatingError(
            f"Agreement {self.agreement_code} has no pricing rule for {kind}{role_text}.",
            code=Gap.NO_RULE,
            remedy=f"The union must add a pricing rule for {kind} to agreement {self.agreement_code}.",
        )

    def ph_rate_on(self, day: dt.date) -> Decimal:
        for period in self.ph_periods:
            if period.start <= day and (period.end is None or day <= period.end):
                return period.rate
        raise RatingError(
            f"Agreement {self.agreement_code} has no P&H rate in force on {day.isoformat()}.",
            code=Gap.NO_PH_RATE,
            remedy=f"The union must add a P&H rate for {day.isoformat()} to agreement {self.agreement_code}.",
        )


@dataclass(frozen=True)
class SignedCompensation:
    """What the performer signed: an amount per unit, and whether the price of each use is
    negotiated then (the amount is then the signed minimum per unit)."""

    amount: Decimal
    unit: str
    negotiated_per_use: bool = False

    def snapshot(self) -> dict:
        return {"amount": str(self.amount), "unit": self.unit, "negotiated_per_use": self.negotiated_per_use}


@dataclass(frozen=True)
class LineFacts:
    """What pricing needs of a usage line (hashable: report-time pricing groups identical lines)."""

    kind: str
    use_date: dt.date
    units: Decimal
    role_category: str = ""
    estimated_days: Decimal | None = None
    stated_amount: Decimal | None = None  # the line's negotiated_amount
    compensation: SignedCompensation | None = None
    replica_origin: str = ""
    flat_fee_charged: bool = False  # a flat fee is owed once per grant


@dataclass(frozen=True)
class Rated:
    performer_pay: Decimal
    ph_contribution: Decimal
    fund_shares: dict[str, Decimal] = field(default_factory=dict)
    rate_card_id: int | None = None
    explanation: str = ""
    ph_rate: Decimal = ZERO
    rule: dict = field(default_factory=dict)
    flat_fee: bool = False  # this line carries the grant's flat fee

    @property
    def total(self) -> Decimal:
        return self.performer_pay + self.ph_contribution + sum(self.fund_shares.values(), ZERO)

    @property
    def fund_total(self) -> Decimal:
        return sum(self.fund_shares.values(), ZERO)


# --- Splits -----------------------------------------------------------------------------------
def fund_split(amount: Decimal, split: Mapping[str, Decimal], *, seed: str | int | None = None) -> dict[str, Decimal]:
    """Split an amount between funds by their shares, to the cent, adding up exactly. The odd
    cents of a tie go to funds in an order drawn from `seed` (a document's id), so no fund is
    first every time; without a seed, in the funds' alphabetical order."""
    funds = sorted(split)
    parts = split_largest_remainder(amount, [Decimal(str(split[f])) for f in funds], tie_order=tie_order(seed, funds))
    return dict(zip(funds, parts, strict=True))


def tie_order(seed: str | int | None, names: list[str]) -> list[int] | None:
    """A deterministic shuffle of the parts' indices drawn from the seed: who gets an odd cent
    among equal remainders. random.Random(str) is seeded by a SHA-512 of the string, stable
    across runs and machines (not Python's salted hash)."""
    if seed is None:
        return None
    order = list(range(len(names)))
    random.Random(f"{seed}|{'|'.join(names)}").shuffle(order)
    return order


# --- Pieces of a price ------------------------------------------------------------------------
@dataclass(frozen=True)
class Floor:
    """The scale floor of a line: a price per unit of use, times the units, and the row it came from."""

    per_unit: Decimal
    units: Decimal
    rate_card_id: int | None
    text: str

    @property
    def amount(self) -> Decimal:
        return self.per_unit * self.units


NO_FLOOR = Floor(ZERO, ZERO, None, "no scale floor")


def scale_floor(rule: Rule, scale: Scale, day: dt.date, units: Decimal) -> Floor:
    """The rule's scale on the date, turned into a unit of use (÷ divisor) and multiplied."""
    if not rule.scale_role:
        return NO_FLOOR
    rate = scale(rule.scale_role, rule.scale_unit, day)
    per_unit = rate.amount / rule.divisor * rule.multiplier
    text = f"{rule.scale_role} scale {rate.amount}/{rule.scale_unit}"
    if rule.divisor != ONE:
        text += f" ÷ {rule.divisor}"
    if rule.multiplier != ONE:
        text += f" × {rule.multiplier}"
    return Floor(per_unit, units, rate.rate_card_id, f"{text} × {units} = {round_money(per_unit * units)}")


def signed_price(f: LineFacts, units: Decimal) -> tuple[Decimal, str, bool] | None:
    """What the signed compensation comes to for this line's units (None when nothing was
    signed): (amount, explanation, carries the flat fee)."""
    c = f.compensation
    if c is None:
        return None
    if c.unit == CompensationUnit.FLAT:
        if f.flat_fee_charged:
            return ZERO, "flat fee already charged for this grant", False
        return c.amount, f"signed flat fee {c.amount}", True
    if c.unit == CompensationUnit.WEEK:
        daily = c.amount / WORK_DAYS_PER_WEEK
        return daily * units, f"signed {c.amount}/week ÷ 5 × {units} = {round_money(daily * units)}", False
    if c.unit == CompensationUnit.REVENUE_SHARE:
        if f.stated_amount is None:
            raise RatingError(
                "A revenue-share grant is paid as a share of the licence revenue the line reports.",
                code=Gap.AMOUNT_REQUIRED,
                remedy="State the licence revenue as the line's negotiated_amount.",
            )
        pay = c.amount * f.stated_amount
        return pay, f"signed share {c.amount} × revenue {f.stated_amount} = {round_money(pay)}", False
    label = {CompensationUnit.DAY: "day", CompensationUnit.SESSION: "session", CompensationUnit.USE: "use"}.get(
        c.unit, "run"
    )
    return c.amount * units, f"signed {c.amount}/{label} × {units} = {round_money(c.amount * units)}", False


def _price(f: LineFacts, units: Decimal, floor: Floor, *, what: str) -> tuple[Decimal, str, bool]:
    """The performer's pay for a line: the signed price, not below the floor; or, where the
    signed terms negotiate each use, the line's amount, not below the signed minimum or the floor."""
    c = f.compensation
    if c is not None and c.negotiated_per_use:
        minimum = c.amount * units if c.unit != CompensationUnit.FLAT else c.amount
        least = max(minimum, floor.amount)
        if f.stated_amount is None:
            raise RatingError(
                f"The signed terms negotiate the price of each {what}: the line states it.",
                code=Gap.AMOUNT_REQUIRED,
                remedy=f"State the agreed amount (at least {round_money(least)}) as negotiated_amount.",
            )
        if f.stated_amount < least:
            raise RatingError(
                f"The line's amount {f.stated_amount} is below the signed minimum {round_money(minimum)}"
                f" or the agreement's floor {round_money(floor.amount)}.",
                code=Gap.BELOW_SIGNED_MINIMUM,
                remedy=f"State at least {round_money(least)}.",
            )
        return (
            f.stated_amount,
            f"negotiated {f.stated_amount} (signed minimum {round_money(minimum)}; {floor.text})",
            False,
        )
    if f.stated_amount is not None and not (c is not None and c.unit == CompensationUnit.REVENUE_SHARE):
        raise RatingError(
            "The signed terms fix this use's price: a usage line does not state its own.",
            code=Gap.AMOUNT_NOT_NEGOTIABLE,
            remedy="Leave negotiated_amount out, or amend the consent to negotiate each use.",
        )
    signed = signed_price(f, units)
    if signed is None:
        if floor is NO_FLOOR:
            raise RatingError(
                f"A {what} is paid by the consent's signed compensation, and this line has none.",
                code=Gap.NO_COMPENSATION,
                remedy="Report it against the grant that states the compensation.",
            )
        return floor.amount, floor.text, False
    amount, text, flat = signed
    pay = max(amount, floor.amount)
    return pay, f"max({text}; floor {floor.text}) = {round_money(pay)}", flat


def _with_ph(
    f: LineFacts, pay: Decimal, rule: Rule, terms: Terms, rate_card_id: int | None, text: str, flat: bool
) -> Rated:
    pay = round_money(pay)
    rate = terms.ph_rate_on(f.use_date) if rule.ph_applies else ZERO
    ph = round_money(pay * rate)
    ph_text = f"; P&H {rate} × {pay} = {ph}" if rule.ph_applies else "; no P&H under this rule"
    return Rated(
        performer_pay=pay,
        ph_contribution=ph,
        rate_card_id=rate_card_id,
        explanation=text + ph_text,
        ph_rate=rate,
        rule=rule.snapshot(),
        flat_fee=flat,
    )


def _origin_text(f: LineFacts) -> str:
    if f.replica_origin == ReplicaOrigin.INDEPENDENTLY_CREATED:
        return "ICDR"
    return "EBDR"


# --- Raters, one per kind of use --------------------------------------------------------------
def rate_replica_use(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """A replica's (or a voice replica's) use. EBDR: max(the signed rate, scale on the use
    date) × the studio's good-faith days, plus P&H (3.1). ICDR: the price the consent states,
    not below the agreement's floor where it sets one (3.3, TV/Theatrical 2026: day scale)."""
    rule = terms.rule_for(f.kind, f.role_category)
    days = f.estimated_days if f.estimated_days is not None else f.units
    icdr = f.replica_origin == ReplicaOrigin.INDEPENDENTLY_CREATED
    floor = NO_FLOOR if icdr and not terms.icdr_floor_day_scale else scale_floor(rule, scale, f.use_date, days)
    pay, text, flat = _price(f, days, floor, what="replica use")
    return _with_ph(f, pay, rule, terms, floor.rate_card_id, f"{_origin_text(f)}: {text}", flat)


def rate_scan_session(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Scan time is work time: at least one day at max(signed, scale) (3.2); a background actor
    called only to be scanned is paid a background day per session (the background rule)."""
    rule = terms.rule_for(f.kind, f.role_category)
    units = max(f.units, ONE)
    floor = scale_floor(rule, scale, f.use_date, units)
    pay, text, flat = _price(f, units, floor, what="scan session")
    return _with_ph(f, pay, rule, terms, floor.rate_card_id, f"scan: {text}", flat)


def rate_realtime(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Real-time generation: at least the rule's multiplier × the applicable scale (3.4)."""
    rule = terms.rule_for(f.kind, f.role_category)
    floor = scale_floor(rule, scale, f.use_date, f.units)
    pay, text, flat = _price(f, f.units, floor, what="real-time generation")
    return _with_ph(f, pay, rule, terms, floor.rate_card_id, f"real-time: {text}", flat)


def rate_training(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Training: the consent's signed terms (3.6): a flat licence fee (once per grant), a fee
    per training run, or a share of the licence revenue the line reports."""
    rule = terms.rule_for(f.kind, f.role_category)
    floor = scale_floor(rule, scale, f.use_date, f.units)
    pay, text, flat = _price(f, f.units, floor, what="training use")
    return _with_ph(f, pay, rule, terms, floor.rate_card_id, f"training: {text}", flat)


def rate_alteration(f: LineFacts, terms: Terms, scale: Scale) -> Rated:
    """Digital alteration with consent: the signed price, not below the rule's scale per unit
    (the registry's default floor: the agreements publish no figure)."""
    rule = terms.rule_for(f.kind, f.role_category)
    floor = scale_floor(rule, scale, f.use_date, f.units)
    pay, text, flat = _price(f, f.units, floor, what="digital alteration")
    return _with_ph(f, pay, rule, terms, floor.rate_card_id, f"alteration: {text}", flat)


def rate_synthetic_standin(f: LineFacts, terms: Terms, scale: Scale, *, seed: str | int | None = None) -> Rated:
    """A synthetic performer in a union role: what a union performer would have been paid at
    scale for the role and units on that date (a weekly role: weekly scale ÷ 5 a day), × the
    rule's multiplier, plus contributions on it, all to the funds (3.5)."""
    rule = terms.rule_for(f.kind, f.role_category)
    if not rule.scale_role:
        raise RatingError(
            f"Agreement {terms.agreement_code}'s rule for {f.kind} names no scale.",
            code=Gap.NO_RULE,
            remedy="The union must name the scale row a synthetic stand-in is priced at.",
        )
    floor = scale_floor(rule, scale, f.use_date, f.units)
    royalty = round_money(floor.amount)
    rate = terms.ph_rate_on(f.use_date) if rule.ph_applies else ZERO
    ph = round_money(royalty * rate)
    shares = fund_split(royalty + ph, terms.fund_split, seed=seed)
    return Rated(
        performer_pay=ZERO,
        ph_contribution=ZERO,
        fund_shares=shares,
        rate_card_id=floor.rate_card_id,
        explanation=f"synthetic stand-in ({f.role_category}): {floor.text}; contributions {rate} × {royalty} = {ph}",
        ph_rate=rate,
        rule=rule.snapshot(),
    )


def rate_synthetic_voice(f: LineFacts, terms: Terms, scale: Scale, *, seed: str | int | None = None) -> Rated:
    """A synthetic voice track pays what a human vocal would (3.5): the label states that
    royalty per track (no registry figure exists for it), to the funds."""
    rule = terms.rule_for(f.kind, f.role_category)
    if f.stated_amount is None:
        raise RatingError(
            "A synthetic voice track pays the royalty a human vocal would earn.",
            code=Gap.AMOUNT_REQUIRED,
            remedy="State that royalty per track as negotiated_amount.",
        )
    royalty = round_money(f.stated_amount * f.units)
    rate = terms.ph_rate_on(f.use_date) if rule.ph_applies else ZERO
    ph = round_money(royalty * rate)
    return Rated(
        performer_pay=ZERO,
        ph_contribution=ZERO,
        fund_shares=fund_split(royalty + ph, terms.fund_split, seed=seed),
        explanation=f"synthetic voice: {f.stated_amount} × {f.units} tracks = {royalty}; contributions {ph}",
        ph_rate=rate,
        rule=rule.snapshot(),
    )


RATERS: dict[str, Callable[..., Rated]] = {
    UsageKind.REPLICA_USE: rate_replica_use,
    UsageKind.VOICE_REPLICA_USE: rate_replica_use,
    UsageKind.SCAN_SESSION: rate_scan_session,
    UsageKind.REALTIME_GENERATION: rate_realtime,
    UsageKind.TRAINING_USE: rate_training,
    UsageKind.DIGITAL_ALTERATION: rate_alteration,
    UsageKind.SYNTHETIC_STANDIN: rate_synthetic_standin,
    UsageKind.SYNTHETIC_VOICE_TRACK: rate_synthetic_voice,
}
TO_FUNDS = frozenset({UsageKind.SYNTHETIC_STANDIN, UsageKind.SYNTHETIC_VOICE_TRACK})


def rate_line(facts: LineFacts, terms: Terms, scale: Scale, *, seed: str | int | None = None) -> Rated:
    """Price a line; `seed` orders the odd cents of its split between funds."""
    rater = RATERS.get(facts.kind)
    if rater is None:
        raise RatingError(f"{facts.kind} lines are not rated by usage billing")
    if facts.kind in TO_FUNDS:
        return rater(facts, terms, scale, seed=seed)
    return rater(facts, terms, scale)


def price_changes(periods: Iterable[tuple[dt.date, dt.date | None]]) -> tuple[dt.date, ...]:
    """The days on which a price can change: each period's first day and the day after its last.
    Between two such days every lookup by date (a scale rate, a P&H rate) answers the same."""
    days = set()
    for start, end in periods:
        days.add(start)
        if end is not None:
            days.add(end + dt.timedelta(days=1))
    return tuple(sorted(days))


class GroupRating:
    """Rates each group of lines priced alike once, for a billing run's hundreds of thousands
    of lines (issue 24): lines with the same facts under the same terms, whose use dates fall
    between the same two price changes (`price_changes`), get the same answer, because a date
    enters rating only through the rates in force on it. Lines whose split between funds is
    ordered by their own seed (TO_FUNDS) are rated one by one. A line that cannot be rated is
    not remembered (its error names its own date), and the groups held are bounded by `limit`,
    so memory does not grow with a studio's lines."""

    def __init__(self, limit: int = 4096) -> None:
        self._rated: BoundedMemo[Rated] = BoundedMemo(limit)
        self.rated = 0  # lines answered by rating (the rest were answered from their group)

    def rate(
        self,
        facts: LineFacts,
        terms: Terms,
        scale: Scale,
        changes: tuple[dt.date, ...],
        *,
        terms_key: Hashable,
        seed: str | int | None = None,
    ) -> Rated:
        """`rate_line`, once per group; `terms_key` names `terms` and `scale` (an agreement's
        id), `changes` are their price changes."""
        if facts.kind in TO_FUNDS:
            self.rated += 1
            return rate_line(facts, terms, scale, seed=seed)
        c = facts.compensation
        # Amounts by their text: 1.0 and 1.00 are equal, but an explanation would print either.
        group = (
            terms_key,
            bisect.bisect_right(changes, facts.use_date),
            facts.kind,
            str(facts.units),
            facts.role_category,
            _text(facts.estimated_days),
            _text(facts.stated_amount),
            None if c is None else (str(c.amount), c.unit, c.negotiated_per_use),
            facts.replica_origin,
            facts.flat_fee_charged,
        )
        return self._rated.get(group, lambda: self._rate(facts, terms, scale))

    def _rate(self, facts: LineFacts, terms: Terms, scale: Scale) -> Rated:
        rated = rate_line(facts, terms, scale)
        self.rated += 1
        return rated


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def ph_fund_shares(rated: Rated, terms: Terms, *, seed: str | int | None = None) -> dict[str, Decimal]:
    """Where a line's P&H contribution goes: the agreement's fund split."""
    return fund_split(rated.ph_contribution, terms.fund_split, seed=seed) if rated.ph_contribution else {}


def line_facts(
    *,
    kind: str,
    use_date: dt.date,
    units: Decimal,
    role_category: str = "",
    estimated_days: Decimal | None = None,
    stated_amount: Decimal | None = None,
    compensation_amount: Decimal | None = None,
    compensation_unit: str = "",
    negotiated_per_use: bool = False,
    replica_origin: str = "",
    flat_fee_charged: bool = False,
) -> LineFacts:
    """A line's pricing facts from plain values: the line's own, and what the grant covering it
    was signed with (none for a synthetic performer's lines)."""
    compensation = None
    if compensation_amount is not None and compensation_unit:
        compensation = SignedCompensation(compensation_amount, compensation_unit, bool(negotiated_per_use))
    return LineFacts(
        kind=kind,
        use_date=use_date,
        units=units,
        role_category=role_category or "",
        estimated_days=estimated_days,
        stated_amount=stated_amount,
        compensation=compensation,
        replica_origin=replica_origin or "",
        flat_fee_charged=flat_fee_charged,
    )
