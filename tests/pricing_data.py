"""Pricing data for the agreements tests create: the shipped rules of a reference agreement (from
the data migration that ships them), its scale rows over the test agreement's whole period, and
one P&H rate. A usage line is priced when it is reported, so every agreement a test reports
use under needs them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import import_module

from registry.terms.models import Agreement, PhRate, PricingRule, RateCard

_PRICING = import_module("registry.terms.migrations.0008_pricing_rules")
_RATES = import_module("registry.terms.migrations.0004_reference_rates")


def _scale_rows(like: str):
    if like.startswith("tvth"):
        for _code, start, end, day, weekly, background, stand_in in _RATES.TVTH_PERIODS:
            yield "day_performer", "day", day, start, end
            yield "weekly_performer", "week", weekly, start, end
            # 2026 has no published background and stand-in figures: the 2025 ones carry on.
            yield "background_actor", "day", background or "224", start, end
            yield "stand_in", "day", stand_in or "262", start, end
    elif like.startswith("commercials"):
        for _, start, end, amount in _RATES.COMMERCIAL_SESSION:
            yield "commercial_session", "session", amount, start, end
    elif like.startswith("interactive"):
        for code, role, unit, amount, start, end, *_ in _PRICING.RATES:
            if code == like:
                yield role, unit, amount, start, end


def give_reference_pricing(agreement: Agreement, *, like: str = "tvth-2023", ph_rate: str = "0") -> Agreement:
    """Give `agreement` (new, with no pricing data yet) the rules and scale of the reference
    agreement `like`, from the agreement's start (the earliest scale rows start there), and a
    single P&H rate. Three INSERTs: many tests build an agreement."""
    PricingRule.objects.bulk_create(
        PricingRule(
            agreement=agreement,
            usage_kind=kind,
            role_category=role,
            scale_role=scale_role,
            scale_unit=scale_unit,
            scale_divisor=Decimal(divisor),
            multiplier=Decimal(multiplier),
            ph_applies=ph,
            source_confidence=confidence,
            source_note=note,
        )
        for codes, kind, role, (scale_role, scale_unit, divisor), multiplier, ph, confidence, note in _PRICING.RULES
        if like in codes
    )
    rows = sorted(_scale_rows(like), key=lambda r: r[3])
    first: dict[tuple[str, str], dt.date] = {}
    cards = []
    for role, unit, amount, start, end in rows:
        first.setdefault((role, unit), start)
        begins = min(start, agreement.effective_from) if first[(role, unit)] == start else start
        cards.append(
            RateCard(
                agreement=agreement,
                role_category=role,
                unit=unit,
                effective_from=begins,
                amount=Decimal(amount),
                currency=agreement.currency,
                effective_to=end,
            )
        )
    RateCard.objects.bulk_create(cards)
    PhRate.objects.create(agreement=agreement, effective_from=agreement.effective_from, rate=Decimal(ph_rate))
    return agreement
