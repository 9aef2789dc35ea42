"""Reads for usage, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.parties.callers import Caller, visible_to
from registry.usage.models import SyntheticPerformer, UsageLine, UsageReport


def usage_reports_visible_to(caller: Caller) -> QuerySet[UsageReport]:
    return visible_to(caller, UsageReport.objects.select_related("studio"), performer=None)


def usage_lines_visible_to(caller: Caller) -> QuerySet[UsageLine]:
    qs = UsageLine.objects.select_related(
        "report", "grant", "covering_grant", "performer", "synthetic_performer", "agreement"
    )
    return visible_to(caller, qs)


def synthetic_performers_visible_to(caller: Caller) -> QuerySet[SyntheticPerformer]:
    return visible_to(caller, SyntheticPerformer.objects.all(), performer=None)
