"""Residual-style pay, pure: streaming success bonus qualification and splits, training licence
consent findings and fee splits (DOMAIN.md section 3, items 6 and 7).

No ORM import: services turn rows into these dataclasses and act on the answers, so every rule
here is tested without a database. Money is rounded only by `money.round_money` and split only
by `money.split_largest_remainder`, so the parts always add up to the whole.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from registry.billing.money import round_money, split_largest_remainder
from registry.consent import rules as consent_rules

SUCCESS_BONUS_FUND = "success_bonus_fund"
MINUTES_PER_HOUR = Decimal(60)
VIEWS_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")

# Qualification outcomes; values mirror registry.residuals.models.QualificationOutcome.
QUALIFIED = "qualified"
BELOW_THRESHOLD = "below_threshold"
ALREADY_QUALIFIED = "already_qualified"
NOT_ELIGIBLE = "not_eligible"

# How a cast member's part in a training licence is consented; mirrors models.ConsentBasis.
BASIS_GRANT = "grant"
BASIS_UNION = "union"
BASIS_NONE = "none"


# --- Streaming success bonus ------------------------------------------------------------------
@dataclass(frozen=True)
class BonusTerms:
    """The agreement's streaming bonus terms, as applied to one decision."""

    threshold: Decimal  # views needed, as a share of domestic subscribers
    window_days: int  # days from the start of an exhibition year in which views count
    later_years: bool  # whether a later exhibition year can qualify
    bonus_share: Decimal  # the bonus as a share of the cast's fixed residual
    performer_share: Decimal  # share of the bonus to the cast; the rest to the fund

    def as_dict(self) -> dict[str, object]:
        return {
            "threshold": str(self.threshold),
            "window_days": self.window_days,
            "later_years": self.later_years,
            "bonus_share": str(self.bonus_share),
            "performer_share": str(self.performer_share),
        }

    @classmethod
    def from_dict(cls, data: dict) -> BonusTerms:
        return cls(
            threshold=Decimal(str(data["threshold"])),
            window_days=int(data["window_days"]),
            later_years=bool(data["later_years"]),
            bonus_share=Decimal(str(data["bonus_share"])),
            performer_share=Decimal(str(data["performer_share"])),
        )


@dataclass(frozen=True)
class TitleFacts:
    release_date: dt.date
    runtime_minutes: int
    high_budget_svod: bool


@dataclass(frozen=True)
class Viewing:
    """What a studio reports for one exhibition year's window (cumulative, not additive)."""

    exhibition_year: int
    hours_streamed: Decimal
    domestic_subscribers: int


@dataclass(frozen=True)
class Qualification:
    outcome: str
    meets_threshold: bool
    views: Decimal  # hours × 60 ÷ runtime minutes, cut (never rounded up) to 4 places for display
    required_views: Decimal  # threshold × subscribers, exact
    window_start: dt.date
    window_end: dt.date
    explanation: str

    @property
    def pays(self) -> bool:
        return self.outcome == QUALIFIED


def _figure(value: Decimal) -> str:
    """A count for an explanation: thousands separated, no trailing zeros (600,000 not 600000.0000)."""
    return f"{value.normalize():,f}"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def exhibition_window(release_date: dt.date, exhibition_year: int, window_days: int) -> tuple[dt.date, dt.date]:
    """The first `window_days` days of exhibition year N, which starts on the Nth anniversary
    (year 1 on the release date). Both ends inclusive."""
    if exhibition_year < 1:
        raise ValueError("exhibition years count from 1")
    if window_days < 1:
        raise ValueError("a window lasts at least one day")
    start = consent_rules.add_years(release_date, exhibition_year - 1)
    return start, start + dt.timedelta(days=window_days - 1)


def views_of(hours_streamed: Decimal, runtime_minutes: int) -> Decimal:
    """Views = hours streamed ÷ runtime, as a display figure (decisions compare exactly)."""
    if runtime_minutes <= 0:
        raise ValueError("runtime must be positive")
    return (hours_streamed * MINUTES_PER_HOUR / Decimal(runtime_minutes)).quantize(VIEWS_PLACES, rounding=ROUND_DOWN)


def meets_threshold(viewing: Viewing, runtime_minutes: int, threshold: Decimal) -> bool:
    """hours ÷ (runtime / 60) >= threshold × subscribers, compared without dividing, so a title
    exactly at the threshold qualifies and no rounding can move it either side."""
    if runtime_minutes <= 0:
        raise ValueError("runtime must be positive")
    return (
        viewing.hours_streamed * MINUTES_PER_HOUR
        >= threshold * Decimal(viewing.domestic_subscribers) * runtime_minutes
    )


def decide_qualification(
    title: TitleFacts, viewing: Viewing, terms: BonusTerms, *, already_paid: bool
) -> Qualification:
    """Does this report qualify the title for the bonus of its exhibition year?"""
    start, end = exhibition_window(title.release_date, viewing.exhibition_year, terms.window_days)
    views = views_of(viewing.hours_streamed, title.runtime_minutes)
    required = terms.threshold * Decimal(viewing.domestic_subscribers)
    meets = meets_threshold(viewing, title.runtime_minutes, terms.threshold)
    arithmetic = (
        f"views = {_figure(viewing.hours_streamed)} hours × 60 ÷ {title.runtime_minutes} min = {_figure(views)}; "
        f"needed {_percent(terms.threshold)} × {viewing.domestic_subscribers:,} subscribers = "
        f"{_figure(required)} views in exhibition year {viewing.exhibition_year}, "
        f"{start.isoformat()} to {end.isoformat()}"
    )
    if not title.high_budget_svod:
        outcome, why = NOT_ELIGIBLE, "not a high-budget made-for-streaming title"
    elif viewing.exhibition_year > 1 and not terms.later_years:
        outcome, why = NOT_ELIGIBLE, "the agreement lets only the first exhibition year qualify"
    elif already_paid:
        outcome, why = ALREADY_QUALIFIED, "the bonus for this exhibition year was already paid"
    elif meets:
        outcome, why = QUALIFIED, "reaches the threshold"
    else:
        outcome, why = BELOW_THRESHOLD, "below the threshold"
    return Qualification(
        outcome=outcome,
        meets_threshold=meets,
        views=views,
        required_views=required,
        window_start=start,
        window_end=end,
        explanation=f"{arithmetic}: {why}.",
    )


@dataclass(frozen=True)
class CastShare:
    """A cast member (any key the caller uses) and their fixed residual base."""

    performer: object
    residual_base: Decimal


@dataclass(frozen=True)
class PerformerAmount:
    performer: object
    residual_base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class BonusSplit:
    fixed_residual_total: Decimal
    bonus_total: Decimal
    performers_total: Decimal
    fund_amount: Decimal
    shares: tuple[PerformerAmount, ...]


def _pro_rata(total: Decimal, cast: Sequence[CastShare]) -> tuple[PerformerAmount, ...]:
    if total == 0:
        return tuple(PerformerAmount(c.performer, c.residual_base, ZERO) for c in cast)
    amounts = split_largest_remainder(total, [c.residual_base for c in cast])
    return tuple(PerformerAmount(c.performer, c.residual_base, a) for c, a in zip(cast, amounts, strict=True))


def compute_bonus(cast: Sequence[CastShare], terms: BonusTerms) -> BonusSplit:
    """Bonus = bonus share × the cast's fixed residual; the performers' part (split pro rata to
    residual base) and the fund's part are split by largest remainder, to the cent."""
    if not cast:
        raise ValueError("a title with no cast has no residual to base a bonus on")
    if any(c.residual_base <= 0 for c in cast):
        raise ValueError("residual bases must be positive")
    fixed = sum((c.residual_base for c in cast), ZERO)
    bonus = round_money(fixed * terms.bonus_share)
    if bonus == 0:
        performers, fund = ZERO, ZERO
    else:
        performers, fund = split_largest_remainder(bonus, [terms.performer_share, 1 - terms.performer_share])
    return BonusSplit(
        fixed_residual_total=fixed,
        bonus_total=bonus,
        performers_total=performers,
        fund_amount=fund,
        shares=_pro_rata(performers, cast),
    )


def bonus_explanation(split: BonusSplit, terms: BonusTerms, currency: str) -> str:
    return (
        f"bonus = {_percent(terms.bonus_share)} × fixed residual {split.fixed_residual_total} {currency} "
        f"= {split.bonus_total}; {_percent(terms.performer_share)} to the cast = {split.performers_total} "
        f"(pro rata to residual base), the rest to the success bonus fund = {split.fund_amount}"
    )


# --- Training licences ------------------------------------------------------------------------
@dataclass(frozen=True)
class LicenceSplit:
    performers_total: Decimal
    shares: tuple[PerformerAmount, ...]


def split_licence_fee(fee: Decimal, performer_share: Decimal, cast: Sequence[CastShare]) -> LicenceSplit:
    """The cast's share of a training licence fee, pro rata to residual base, to the cent."""
    if fee <= 0:
        raise ValueError("a licence fee is positive")
    if not cast:
        raise ValueError("a title with no cast has no one to pay")
    pool = round_money(fee * performer_share)
    return LicenceSplit(performers_total=pool, shares=_pro_rata(pool, cast))


@dataclass(frozen=True)
class LicenceFacts:
    licensee: str
    project: consent_rules.Project
    term_start: dt.date
    term_end: dt.date


@dataclass(frozen=True)
class TrainingGrant:
    """A grant of the studio and performer as it stood when the licence was checked, with the
    texts of its signed description that can name a licensee (intended uses, detail)."""

    candidate: consent_rules.GrantCandidate
    described_uses: tuple[str, ...]


@dataclass(frozen=True)
class FindingReason:
    code: str
    message: str
    grant_id: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "grant": self.grant_id}


@dataclass(frozen=True)
class ConsentFinding:
    basis: str  # grant | union | none
    grant_id: str | None
    reasons: tuple[FindingReason, ...] = ()

    @property
    def is_violation(self) -> bool:
        return self.basis == BASIS_NONE


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def names_licensee(texts: Sequence[str], licensee: str) -> bool:
    """Does the description name the licensee, as a whole word or phrase? Training consent is a
    separate, specific scope (DOMAIN.md 2.5): consent to train for one company is not consent
    for another."""
    name = _norm(licensee)
    if not name:
        return False
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return any(pattern.search(_norm(text)) for text in texts)


def decide_training_consent(
    licence: LicenceFacts, grants: Sequence[TrainingGrant], *, union_consents: bool
) -> ConsentFinding:
    """Is a performer's part in this licence consented? By a training grant of the studio for
    this title that names the licensee, is active on the licence's first day and lasts its whole
    term; failing that by the union, where the agreement gives it that role; otherwise not."""
    query = consent_rules.UseQuery(use=consent_rules.TRAINING, project=licence.project, on=licence.term_start)
    fitting: list[consent_rules.GrantCandidate] = []
    reasons: list[FindingReason] = []
    for grant in grants:
        cand = grant.candidate
        if cand.scope.use != consent_rules.TRAINING or cand.status in (None, "superseded"):
            continue
        if not names_licensee(grant.described_uses, licence.licensee):
            reasons.append(
                FindingReason(
                    "licensee_not_named",
                    f"The training consent does not name {licence.licensee} among its intended uses.",
                    cand.grant_id,
                )
            )
            continue
        if cand.scope.term_end < licence.term_end:
            reasons.append(
                FindingReason(
                    "term_ends_before_licence",
                    f"The training consent ends on {cand.scope.term_end.isoformat()}, before the licence "
                    f"does ({licence.term_end.isoformat()}).",
                    cand.grant_id,
                )
            )
            continue
        fitting.append(cand)
    outcome = consent_rules.decide_check(query, fitting, prefs=None)
    if outcome.allowed:
        return ConsentFinding(BASIS_GRANT, outcome.grant_id)
    for reason in outcome.reasons:
        if reason.code == "no_grant" and reasons:
            continue  # the grants set aside above say more than "no grant"
        reasons.append(FindingReason(reason.code, reason.message, reason.grant_id))
    return ConsentFinding(BASIS_UNION if union_consents else BASIS_NONE, None, tuple(reasons))


# --- What-if ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportedViewing:
    """A stored report as the what-if replays it: its figures, the title as it was decided on,
    and the terms to apply (those recorded on it, with the what-if's changes)."""

    report: object  # the caller's key for the stored report
    title: TitleFacts
    viewing: Viewing
    terms: BonusTerms


@dataclass(frozen=True)
class WhatIfOutcome:
    qualifying_report: object | None
    qualification: Qualification | None  # the paying decision, or the last one made
    split: BonusSplit | None


def replay_exhibition_year(reports: Sequence[ReportedViewing], cast: Sequence[CastShare]) -> WhatIfOutcome:
    """Replay one title's reports for one exhibition year in the order received: the first that
    qualifies pays, exactly as the registry would have done under those terms."""
    last: Qualification | None = None
    for reported in reports:
        last = decide_qualification(reported.title, reported.viewing, reported.terms, already_paid=False)
        if last.pays:
            return WhatIfOutcome(reported.report, last, compute_bonus(cast, reported.terms))
    return WhatIfOutcome(None, last, None)
