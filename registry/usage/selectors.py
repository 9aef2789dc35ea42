"""Reads for usage, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.parties.callers import Caller
from registry.usage.models import SyntheticPerformer, UsageLine, UsageReport


def usage_reports_visible_to(caller: Caller) -> QuerySet[UsageReport]:
    qs = UsageReport.objects.select_related("studio")
    if caller.is_staff:
        return qs
    if caller.is_studio:
        return qs.filter(studio=caller.studio)
    return qs.none()


def usage_lines_visible_to(caller: Caller) -> QuerySet[UsageLine]:
    qs = UsageLine.objects.select_related(
        "report", "grant", "covering_grant", "performer", "synthetic_performer", "agreement"
    )
    if caller.is_staff:
        return qs
    if caller.is_studio:
        return qs.filter(studio=caller.studio)
    if caller.is_performer_side:
        return qs.filter(performer_id__in=caller.performer_ids())
    return qs.none()


def synthetic_performers_visible_to(caller: Caller) -> QuerySet[SyntheticPerformer]:
    if caller.is_staff:
        return SyntheticPerformer.objects.all()
    if caller.is_studio:
        return SyntheticPerformer.objects.filter(studio=caller.studio)
    return SyntheticPerformer.objects.none()
