"""Reads for terms: the rate in force on a date, and the pricing terms rating reads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from registry.core.errors import DomainError
from registry.core.problems import ProblemType
from registry.terms import pricing
from registry.terms.models import Agreement, PhRate, PricingRule, RateCard


class RateNotFoundError(DomainError):
    slug = ProblemType.RATE_NOT_FOUND


def rate_in_force(*, agreement: Agreement, role_category: str, unit: str, on: dt.date) -> RateCard:
    """The rate card row in force on `on`, or RateNotFoundError saying exactly what is missing."""
    row = (
        RateCard.objects.filter(agreement=agreement, role_category=role_category, unit=unit, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        raise RateNotFoundError(
            f"Agreement {agreement.code} has no {role_category} rate per {unit} in force on {on.isoformat()}.",
            agreement=agreement.code,
            role_category=role_category,
            unit=unit,
            on=on.isoformat(),
        )
    return row


# --- Pricing: an agreement's terms as rating reads them ----------------------------------------
@dataclass(frozen=True)
class AgreementPricing:
    """An agreement's pricing terms, the copy of them an invoice line keeps, and its scale."""

    agreement: Agreement
    terms: pricing.Terms
    snapshot: dict
    scale: pricing.Scale
    # The days its scale or P&H rates change (pricing.price_changes): rating groups by them.
    price_changes: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class InForce:
    """The agreement a use is priced under on its date, and, when that is a successor of the
    agreement the grant was signed under, a note saying so (kept on the invoice line)."""

    pricing: AgreementPricing
    signed_under: str
    note: str = ""


class PriceBook:
    """Every agreement's pricing terms, loaded once each (its rules, P&H periods, rate cards and
    successor) and reused for every line: a billing run reads a million lines, a report ten
    thousand, and the terms of a handful of agreements."""

    def __init__(self) -> None:
        self._by_id: dict[int, AgreementPricing] = {}

    def __getitem__(self, agreement_id: int) -> AgreementPricing:
        found = self._by_id.get(agreement_id)
        if found is None:
            found = self._by_id[agreement_id] = _agreement_pricing(Agreement.objects.get(pk=agreement_id))
        return found

    def in_force(self, agreement_id: int, day: dt.date) -> InForce:
        """The agreement in force on `day` in the line of succession of `agreement_id`: a grant
        signed under one agreement and used after it ended is priced under its successor in
        force on the use date (DOMAIN.md section 6), or refused when none is named."""
        first = current = self[agreement_id]
        seen = {agreement_id}
        while current.agreement.effective_to is not None and day > current.agreement.effective_to:
            successor_id = current.agreement.successor_id
            if successor_id is None or successor_id in seen:
                code = current.agreement.code
                raise pricing.RatingError(
                    f"Agreement {code} ended on {current.agreement.effective_to.isoformat()} and names no "
                    f"successor in force on {day.isoformat()}.",
                    code=pricing.Gap.NO_AGREEMENT,
                    remedy=f"The union must name the agreement that succeeds {code}.",
                )
            seen.add(successor_id)
            current = self[successor_id]
        note = ""
        if current is not first:
            note = (
                f"signed under {first.agreement.code}, which ended {first.agreement.effective_to.isoformat()}; "
                f"priced under its successor {current.agreement.code}, in force on {day.isoformat()}"
            )
        return InForce(current, first.agreement.code, note)


def _agreement_pricing(agreement: Agreement) -> AgreementPricing:
    rules = {
        (r.usage_kind, r.role_category): pricing.Rule(
            usage_kind=r.usage_kind,
            role_category=r.role_category,
            scale_role=r.scale_role,
            scale_unit=r.scale_unit,
            divisor=r.scale_divisor,
            multiplier=r.multiplier,
            ph_applies=r.ph_applies,
            rule_id=r.pk,
            confidence=r.source_confidence,
        )
        for r in PricingRule.objects.filter(agreement=agreement)
    }
    ph_periods = tuple(
        pricing.PhPeriod(p.rate, p.effective_from, p.effective_to)
        for p in PhRate.objects.filter(agreement=agreement).order_by("effective_from")
    )
    split = {k: Decimal(str(v)) for k, v in agreement.synthetic_fund_split.items()}
    terms = pricing.Terms(
        currency=agreement.currency,
        fund_split=split,
        rules=rules,
        ph_periods=ph_periods,
        icdr_floor_day_scale=agreement.icdr_floor_day_scale,
        agreement_code=agreement.code,
    )
    snapshot = {
        "agreement": agreement.code,
        "fund_split": agreement.synthetic_fund_split,
        "icdr_floor_day_scale": agreement.icdr_floor_day_scale,
    }
    cards = list(RateCard.objects.filter(agreement=agreement).order_by("effective_from"))
    changes = pricing.price_changes(
        [(c.effective_from, c.effective_to) for c in cards] + [(p.start, p.end) for p in ph_periods]
    )
    return AgreementPricing(agreement, terms, snapshot, _scale_of(agreement, cards), changes)


def _scale_of(agreement: Agreement, cards: list[RateCard]) -> pricing.Scale:
    rows: dict[tuple[str, str], list[RateCard]] = defaultdict(list)
    for row in cards:
        rows[(row.role_category, row.unit)].append(row)

    def scale(role: str, unit: str, on: dt.date) -> pricing.ScaleRate:
        for row in reversed(rows.get((role, unit), [])):
            if row.effective_from <= on and (row.effective_to is None or on <= row.effective_to):
                return pricing.ScaleRate(row.pk, role, unit, row.amount, row.currency)
        raise pricing.RatingError(
            f"Agreement {agreement.code} has no {role} rate per {unit} in force on {on.isoformat()}.",
            code=pricing.Gap.NO_RATE,
            remedy=f"The union must add a {role} rate per {unit} for {on.isoformat()} to agreement {agreement.code}.",
        )

    return scale


def carried_forward_rates() -> QuerySet[RateCard]:
    """Rate rows carried from the last known period for want of a published figure (the
    console warns of them until the union enters the real ones)."""
    return (
        RateCard.objects.filter(carried_forward=True)
        .select_related("agreement")
        .order_by("agreement__code", "role_category", "effective_from")
    )
