"""Writes for terms: rate card rows, added without overlap and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.core.vocabulary.reference import Confidence
from registry.terms.models import Agreement, PhRate, PricingRule, RateCard


def rate_card_add(
    *,
    agreement: Agreement,
    role_category: str,
    unit: str,
    amount: Decimal,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    currency: str | None = None,
    source_confidence: Confidence = Confidence.MEDIUM,
    source_note: str = "",
    actor: Actor,
) -> RateCard:
    """Add a row; refused (ValidationError) when it overlaps another for the same agreement,
    role and unit. The agreement row lock serialises concurrent additions."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        row = RateCard(
            agreement=agreement,
            role_category=role_category,
            unit=unit,
            amount=amount,
            currency=currency or agreement.currency,
            effective_from=effective_from,
            effective_to=effective_to,
            source_confidence=source_confidence,
            source_note=source_note,
        )
        row.full_clean()
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.RATE_CARD_ADDED,
            subject_type=AuditSubject.AGREEMENT,
            subject_id=agreement.code,
            data={
                "role_category": role_category,
                "unit": unit,
                "amount": row.amount,
                "currency": row.currency,
                "effective_from": effective_from,
                "effective_to": effective_to,
            },
        )
    return row


def rate_card_close(*, row: RateCard, effective_to: dt.date | None, actor: Actor) -> RateCard:
    """Set (or clear) the last day of a row's period; nothing else about a rate ever changes."""
    return _period_close(
        row,
        effective_to,
        actor=actor,
        action=AuditAction.RATE_CARD_PERIOD_CHANGED,
        describe=lambda r: {"rate_card": r.pk, "role_category": r.role_category, "unit": r.unit},
    )


def _period_close(row, effective_to: dt.date | None, *, actor: Actor, action: AuditAction, describe):
    """Set (or clear) the last day of an effective-dated row (a rate card row, a P&H rate), under
    its agreement's lock, audited with what `describe` says of the row and the change of date."""
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=row.agreement_id)
        current = type(row).objects.select_for_update().get(pk=row.pk)
        previous = current.effective_to
        current.effective_to = effective_to
        current.full_clean()
        current.save(update_fields=["effective_to"])
        audit_record(
            actor=actor,
            action=action,
            subject_type=AuditSubject.AGREEMENT,
            subject_id=current.agreement.code,
            data={**describe(current), "effective_to": {"from": previous, "to": effective_to}},
        )
    return current


# --- Pricing rules, P&H rates, successors -----------------------------------------------------
PRICING_RULE_FIELDS = (
    "scale_role",
    "scale_unit",
    "scale_divisor",
    "multiplier",
    "ph_applies",
    "source_confidence",
    "source_note",
)


def pricing_rule_set(
    *,
    agreement: Agreement,
    usage_kind: str,
    role_category: str = "",
    values: dict,
    actor: Actor,
) -> PricingRule:
    """Add the agreement's rule for a kind of use (and role), or change it. Applies to lines not
    billed yet: invoice lines keep a copy of the rule that priced them, so a finalized document
    is never repriced. Audited with what changed."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        rule = (
            PricingRule.objects.select_for_update()
            .filter(agreement=agreement, usage_kind=usage_kind, role_category=role_category)
            .first()
        )
        before = {name: getattr(rule, name) for name in PRICING_RULE_FIELDS} if rule else {}
        if rule is None:
            rule = PricingRule(agreement=agreement, usage_kind=usage_kind, role_category=role_category)
        for name, value in values.items():
            if name not in PRICING_RULE_FIELDS:
                raise ValueError(f"{name} is not a pricing rule field")
            setattr(rule, name, value)
        rule.full_clean()
        rule.save()
        after = {name: getattr(rule, name) for name in PRICING_RULE_FIELDS}
        audit_record(
            actor=actor,
            action=AuditAction.PRICING_RULE_SET,
            subject_type=AuditSubject.AGREEMENT,
            subject_id=agreement.code,
            data={
                "rule": rule.pk,
                "usage_kind": usage_kind,
                "role_category": role_category,
                "changed": {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v},
            },
        )
    return rule


def ph_rate_add(
    *,
    agreement: Agreement,
    rate: Decimal,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    source_confidence: Confidence = Confidence.MEDIUM,
    source_note: str = "",
    actor: Actor,
) -> PhRate:
    """Add a P&H period; refused (ValidationError) when it overlaps another of the agreement's."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        row = PhRate(
            agreement=agreement,
            rate=rate,
            effective_from=effective_from,
            effective_to=effective_to,
            source_confidence=source_confidence,
            source_note=source_note,
        )
        row.full_clean()
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.PH_RATE_ADDED,
            subject_type=AuditSubject.AGREEMENT,
            subject_id=agreement.code,
            data={"rate": row.rate, "effective_from": effective_from, "effective_to": effective_to},
        )
    return row


def ph_rate_close(*, row: PhRate, effective_to: dt.date | None, actor: Actor) -> PhRate:
    """Set (or clear) the last day of a P&H period; the rate itself never changes."""
    return _period_close(
        row, effective_to, actor=actor, action=AuditAction.PH_RATE_PERIOD_CHANGED, describe=lambda r: {"ph_rate": r.pk}
    )


def agreement_successor_set(*, agreement: Agreement, successor: Agreement | None, actor: Actor) -> Agreement:
    """Name the agreement that succeeds this one (same sector, starting after it ends)."""
    with transaction.atomic():
        current = Agreement.objects.select_for_update().get(pk=agreement.pk)
        previous = current.successor.code if current.successor_id else None
        current.successor = successor
        current.full_clean()
        current.save(update_fields=["successor"])
        audit_record(
            actor=actor,
            action=AuditAction.AGREEMENT_SUCCESSOR_SET,
            subject_type=AuditSubject.AGREEMENT,
            subject_id=current.code,
            data={"successor": {"from": previous, "to": successor.code if successor else None}},
        )
    return current
