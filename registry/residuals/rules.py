"""Residual-style pay, pure: streaming success bonus qualification and splits, training licence
consent findings and fee splits (DOMAIN.md section 3, items 6 and 7).

No ORM import: services turn rows into these dataclasses and act on the answers, so every rule
here is tested without a database. Money is rounded only by `money.round_money` and split only
by `money.split_largest_remainder`, so the parts always add up to the whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from registry.billing.money import round_money, split_largest_remainder
from registry.consent import rules as consent_rules
from registry.core.errors import FieldProblem
from registry.core.vocabulary.consent import CheckReasonCode, GrantStatus, UseType
from registry.core.vocabulary.residuals import ConsentBasis, QualificationOutcome

SUCCESS_BONUS_FUND = "success_bonus_fund"
MINUTES_PER_HOUR = Decimal(60)
VIEWS_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")


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
    outcome: QualificationOutcome
    meets_threshold: bool
    views: Decimal  # hours × 60 ÷ runtime minutes, cut (never rounded up) to 4 places for display
    required_views: Decimal  # threshold × subscribers, exact
    window_start: dt.date
    window_end: dt.date
    explanation: str

    @property
    def pays(self) -> bool:
        return self.outcome == QualificationOutcome.QUALIFIED


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
        outcome, why = QualificationOutcome.NOT_ELIGIBLE, "not a high-budget made-for-streaming title"
    elif viewing.exhibition_year > 1 and not terms.later_years:
        outcome, why = QualificationOutcome.NOT_ELIGIBLE, "the agreement lets only the first exhibition year qualify"
    elif already_paid:
        outcome, why = QualificationOutcome.ALREADY_QUALIFIED, "the bonus for this exhibition year was already paid"
    elif meets:
        outcome, why = QualificationOutcome.QUALIFIED, "reaches the threshold"
    else:
        outcome, why = QualificationOutcome.BELOW_THRESHOLD, "below the threshold"
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
MIN_LICENSEE_LENGTH = 2


def licensee_name(text: str) -> str:
    """The licensee as recorded: its words, single-spaced."""
    return " ".join(text.split())


def licensee_key(name: str) -> str:
    """The licensee as compared: a licence is recorded once per title, licensee and start."""
    return " ".join(name.split()).casefold()


def licence_problems(
    *,
    licensee: str,
    fee: Decimal,
    currency: str | None,
    term_start: dt.date,
    term_end: dt.date,
    title_currency: str,
) -> list[FieldProblem]:
    """What is wrong with a licence as reported, each problem naming its field (`licensee`
    already normalised by licensee_name)."""
    problems: list[FieldProblem] = []
    if len(licensee) < MIN_LICENSEE_LENGTH:
        problems.append(FieldProblem("licensee", "too_short", "Name the company the media is licensed to, in full."))
    if fee <= 0:
        problems.append(FieldProblem("fee", "not_positive", "The licence fee must be more than zero."))
    if currency and currency != title_currency:
        problems.append(FieldProblem("currency", "wrong_currency", f"This title's residuals are in {title_currency}."))
    if term_end < term_start:
        problems.append(FieldProblem("term_end", "before_start", "The licence must end on or after it starts."))
    return problems


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
    basis: ConsentBasis
    grant_id: str | None
    reasons: tuple[FindingReason, ...] = ()

    @property
    def is_violation(self) -> bool:
        return self.basis == ConsentBasis.NONE


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
    query = consent_rules.UseQuery(use=UseType.TRAINING, project=licence.project, on=licence.term_start)
    fitting: list[consent_rules.GrantCandidate] = []
    reasons: list[FindingReason] = []
    for grant in grants:
        cand = grant.candidate
        if cand.scope.use != UseType.TRAINING or cand.status in (None, GrantStatus.SUPERSEDED):
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
        return ConsentFinding(ConsentBasis.GRANT, outcome.grant_id)
    for reason in outcome.reasons:
        if reason.code == CheckReasonCode.NO_GRANT and reasons:
            continue  # the grants set aside above say more than "no grant"
        reasons.append(FindingReason(reason.code, reason.message, reason.grant_id))
    return ConsentFinding(ConsentBasis.UNION if union_consents else ConsentBasis.NONE, None, tuple(reasons))


@dataclass(frozen=True)
class LicenceTerms:
    """The agreement's training licence terms, as applied to one licence."""

    agreement: str  # the agreement's code
    performer_share: Decimal  # share of the fee to the cast
    union_consents: bool  # the union consents for the cast where a performer has not

    def as_dict(self) -> dict[str, object]:
        return {
            "agreement": self.agreement,
            "training_licence_performer_share": str(self.performer_share),
            "training_licence_union_consents": self.union_consents,
        }


@dataclass(frozen=True)
class LicensedPerformer:
    """A cast member as a licence finds them: their residual base and their training grants
    with the studio as they stood when the licence began."""

    performer: object  # the caller's key for the performer
    residual_base: Decimal
    grants: tuple[TrainingGrant, ...]


@dataclass(frozen=True)
class LicenceShareDecision:
    performer: object
    residual_base: Decimal
    amount: Decimal
    finding: ConsentFinding


@dataclass(frozen=True)
class LicenceDecision:
    """Each cast member's consent finding and share of the fee, in cast order."""

    performers_total: Decimal
    shares: tuple[LicenceShareDecision, ...]

    @property
    def violations(self) -> int:
        return sum(share.finding.is_violation for share in self.shares)


def decide_training_licence(
    licence: LicenceFacts, fee: Decimal, cast: Sequence[LicensedPerformer], terms: LicenceTerms
) -> LicenceDecision:
    """Whose part in the licence is consented, and what each cast member is paid: the cast's
    share of the fee pro rata to residual base, whether or not they consented (the studio owes
    them for the use; a violation is pursued as a case)."""
    findings = [decide_training_consent(licence, m.grants, union_consents=terms.union_consents) for m in cast]
    split = split_licence_fee(fee, terms.performer_share, [CastShare(m.performer, m.residual_base) for m in cast])
    return LicenceDecision(
        performers_total=split.performers_total,
        shares=tuple(
            LicenceShareDecision(m.performer, paid.residual_base, paid.amount, finding)
            for m, paid, finding in zip(cast, split.shares, findings, strict=True)
        ),
    )


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


# Terms a what-if may change. The window is not among them: the hours reported were counted over
# the window in force, and no stored figure says what another window would have seen.
WHAT_IF_TERMS = ("threshold", "bonus_share", "performer_share")


def what_if_overrides(overrides: Mapping[str, Decimal] | None) -> dict[str, Decimal]:
    """The terms a what-if changes; ValueError naming any it cannot model."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(WHAT_IF_TERMS)
    if unknown:
        raise ValueError(f"a what-if can change only {', '.join(WHAT_IF_TERMS)}, not {', '.join(sorted(unknown))}")
    return overrides


@dataclass(frozen=True)
class Person:
    """A performer as a what-if names them (the key of their cast shares)."""

    public_id: str
    name: str


@dataclass(frozen=True)
class PaidBonus:
    """What was actually paid for a title's exhibition year (shares keyed by Person)."""

    distribution: str
    bonus_total: Decimal
    performers_total: Decimal
    fund_amount: Decimal
    shares: tuple[PerformerAmount, ...]


@dataclass(frozen=True)
class TitleYear:
    """One title's exhibition year as stored: its reports in the order received (with the terms
    recorded on each), its cast (keyed by Person) and what was paid, if anything."""

    title: str
    name: str
    production_number: str
    studio: str
    currency: str
    exhibition_year: int
    window_start: dt.date
    reports: tuple[ReportedViewing, ...]
    cast: tuple[CastShare, ...]
    paid: PaidBonus | None


@dataclass(frozen=True)
class WhatIfShare:
    performer: str
    name: str
    residual_base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PaidSide:
    qualified: bool
    distribution: str | None
    bonus_total: Decimal
    performers_total: Decimal
    fund_amount: Decimal
    shares: tuple[WhatIfShare, ...]


@dataclass(frozen=True)
class ModelledSide:
    qualified: bool
    viewing_report: object | None  # the report that would have qualified the title
    explanation: str  # of the paying decision, or the last one made
    bonus_total: Decimal
    performers_total: Decimal
    fund_amount: Decimal
    shares: tuple[WhatIfShare, ...]


@dataclass(frozen=True)
class TitleWhatIf:
    title: str
    name: str
    production_number: str
    studio: str
    exhibition_year: int
    window_start: dt.date
    currency: str
    reports: int
    actual: PaidSide
    what_if: ModelledSide
    difference: Decimal


@dataclass(frozen=True)
class CurrencyWhatIf:
    currency: str
    titles_qualified_actual: int
    titles_qualified_what_if: int
    actual_bonus: Decimal
    what_if_bonus: Decimal
    actual_to_performers: Decimal
    what_if_to_performers: Decimal
    actual_to_fund: Decimal
    what_if_to_fund: Decimal
    difference: Decimal


@dataclass(frozen=True)
class PerformerWhatIf:
    performer: str
    name: str
    currency: str
    actual: Decimal
    what_if: Decimal
    difference: Decimal


@dataclass(frozen=True)
class WhatIf:
    """A year's bonuses under other terms beside what was paid: per title, per currency and per
    performer (each performer once per currency)."""

    year: int
    overrides: dict[str, Decimal]
    titles: tuple[TitleWhatIf, ...]
    totals: tuple[CurrencyWhatIf, ...]
    by_performer: tuple[PerformerWhatIf, ...]


def _what_if_shares(amounts: Sequence[PerformerAmount]) -> tuple[WhatIfShare, ...]:
    return tuple(WhatIfShare(a.performer.public_id, a.performer.name, a.residual_base, a.amount) for a in amounts)


def replay_title_year(title_year: TitleYear, overrides: Mapping[str, Decimal]) -> TitleWhatIf:
    """One title's exhibition year replayed under the changed terms, beside what was paid."""
    replayed = replay_exhibition_year(
        [dataclasses.replace(r, terms=dataclasses.replace(r.terms, **overrides)) for r in title_year.reports],
        title_year.cast,
    )
    paid, split = title_year.paid, replayed.split
    actual = PaidSide(
        qualified=paid is not None,
        distribution=paid.distribution if paid else None,
        bonus_total=paid.bonus_total if paid else ZERO,
        performers_total=paid.performers_total if paid else ZERO,
        fund_amount=paid.fund_amount if paid else ZERO,
        shares=_what_if_shares(paid.shares) if paid else (),
    )
    modelled = ModelledSide(
        qualified=split is not None,
        viewing_report=replayed.qualifying_report,
        explanation=replayed.qualification.explanation if replayed.qualification else "",
        bonus_total=split.bonus_total if split else ZERO,
        performers_total=split.performers_total if split else ZERO,
        fund_amount=split.fund_amount if split else ZERO,
        shares=_what_if_shares(split.shares) if split else (),
    )
    return TitleWhatIf(
        title=title_year.title,
        name=title_year.name,
        production_number=title_year.production_number,
        studio=title_year.studio,
        exhibition_year=title_year.exhibition_year,
        window_start=title_year.window_start,
        currency=title_year.currency,
        reports=len(title_year.reports),
        actual=actual,
        what_if=modelled,
        difference=modelled.bonus_total - actual.bonus_total,
    )


def _currency_totals(titles: Sequence[TitleWhatIf]) -> tuple[CurrencyWhatIf, ...]:
    by_currency: dict[str, list[TitleWhatIf]] = defaultdict(list)
    for title in titles:
        by_currency[title.currency].append(title)

    def total(rows: list[TitleWhatIf], amount) -> Decimal:
        return sum((amount(row) for row in rows), ZERO)

    out = []
    for currency, rows in sorted(by_currency.items()):
        actual_bonus = total(rows, lambda r: r.actual.bonus_total)
        what_if_bonus = total(rows, lambda r: r.what_if.bonus_total)
        out.append(
            CurrencyWhatIf(
                currency=currency,
                titles_qualified_actual=sum(r.actual.qualified for r in rows),
                titles_qualified_what_if=sum(r.what_if.qualified for r in rows),
                actual_bonus=actual_bonus,
                what_if_bonus=what_if_bonus,
                actual_to_performers=total(rows, lambda r: r.actual.performers_total),
                what_if_to_performers=total(rows, lambda r: r.what_if.performers_total),
                actual_to_fund=total(rows, lambda r: r.actual.fund_amount),
                what_if_to_fund=total(rows, lambda r: r.what_if.fund_amount),
                difference=what_if_bonus - actual_bonus,
            )
        )
    return tuple(out)


def _performer_totals(titles: Sequence[TitleWhatIf]) -> tuple[PerformerWhatIf, ...]:
    sums: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(lambda: {"actual": ZERO, "what_if": ZERO})
    for title in titles:
        for side, shares in (("actual", title.actual.shares), ("what_if", title.what_if.shares)):
            for share in shares:
                sums[(title.currency, share.name, share.performer)][side] += share.amount
    return tuple(
        PerformerWhatIf(
            performer=performer,
            name=name,
            currency=currency,
            actual=amounts["actual"],
            what_if=amounts["what_if"],
            difference=amounts["what_if"] - amounts["actual"],
        )
        for (currency, name, performer), amounts in sorted(sums.items(), key=lambda item: item[0])
    )


def bonus_what_if(year: int, title_years: Sequence[TitleYear], overrides: Mapping[str, Decimal]) -> WhatIf:
    """Every title year replayed under the changed terms (from what_if_overrides), with the
    totals per currency and per performer. The titles come in window, name and year order."""
    titles = [replay_title_year(title_year, overrides) for title_year in title_years]
    titles.sort(key=lambda t: (t.window_start, t.name, t.exhibition_year))
    return WhatIf(
        year=year,
        overrides=dict(overrides),
        titles=tuple(titles),
        totals=_currency_totals(titles),
        by_performer=_performer_totals(titles),
    )
