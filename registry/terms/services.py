"""Writes for terms: rate card rows, added without overlap and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.core.vocabulary.reference import Confidence
from registry.terms.models import Agreement, RateCard


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
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=row.agreement_id)
        current = RateCard.objects.select_for_update().get(pk=row.pk)
        previous = current.effective_to
        current.effective_to = effective_to
        current.full_clean()
        current.save(update_fields=["effective_to"])
        audit_record(
            actor=actor,
            action=AuditAction.RATE_CARD_PERIOD_CHANGED,
            subject_type=AuditSubject.AGREEMENT,
            subject_id=current.agreement.code,
            data={
                "rate_card": current.pk,
                "role_category": current.role_category,
                "unit": current.unit,
                "effective_to": {"from": previous, "to": effective_to},
            },
        )
    return current
