"""The API's remembered responses, for privacy's erasure (the contract is in
registry/core/personal_data.py). registry.privacy reaches this module through
settings.PERFORMER_DATA_MODULES: the API sits above privacy and may call it, not the reverse."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from registry.api.models import IdempotencyRecord
from registry.core.personal_data import Erasure, RowsChanged
from registry.parties.models import Performer

PSEUDONYMISED = (IdempotencyRecord,)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    """Remembered API responses (a 24-hour replay cache, not a record) that quote them are
    deleted. Matched on whole names and email: single words would match other people's."""
    changes = RowsChanged()
    if erasure.identifiers:
        quoting = Q()
        for text in erasure.identifiers:
            quoting |= Q(response_body__icontains=text)
        changes[IdempotencyRecord] += IdempotencyRecord.objects.filter(quoting).delete()[0]
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """Nothing: the replay cache is not a record of the performer (it is not exported)."""
    return {}
