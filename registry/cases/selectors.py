"""Reads for cases, scoped to who asks: staff see all; a studio and a performer see the
violations that concern them (notices are between the studio and the union)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from registry.cases.models import Case
from registry.core.vocabulary.cases import CaseKind
from registry.parties.callers import Caller, visible_to


def cases_visible_to(caller: Caller) -> QuerySet[Case]:
    qs = Case.objects.select_related("studio", "performer", "usage_line", "grant", "synthetic_performer")
    if caller.is_performer_side:
        qs = qs.filter(Q(kind=CaseKind.VIOLATION) | Q(kind=CaseKind.TRAINING_NOTICE))
    return visible_to(caller, qs)
