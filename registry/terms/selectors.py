"""Reads for terms: the rate in force on a date."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from registry.core.errors import DomainError
from registry.core.problems import ProblemType
from registry.terms.models import Agreement, RateCard


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
