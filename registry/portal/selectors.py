"""Reads the portal pages need, built on the other apps' selectors and scoped to the caller
first: every query here starts from `*_visible_to(caller)` or from a performer the caller was
already checked to act for."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.audit.selectors import audit_events_for_performer
from registry.billing.models import InvoiceLine
from registry.billing.selectors import ISSUED, performer_earnings_by_month
from registry.cases.models import Case
from registry.cases.selectors import cases_visible_to
from registry.consent.models import ConsentCheckRecord, ConsentGrant, ConsentRequest
from registry.consent.selectors import consent_requests_visible_to, grants_visible_to
from registry.core.vocabulary.cases import CaseStatus
from registry.core.vocabulary.consent import LIVE_GRANT_STATUSES, RequestStatus
from registry.parties.callers import Caller
from registry.parties.models import Performer
from registry.portal.charts import Bar


def pending_requests(caller: Caller, *, now: dt.datetime | None = None) -> QuerySet[ConsentRequest]:
    """Requests still waiting for an answer, soonest expiry first."""
    now = now or timezone.now()
    return (
        consent_requests_visible_to(caller)
        .filter(status=RequestStatus.PENDING, expires_at__gt=now)
        .order_by("expires_at", "id")
    )


def answered_requests(caller: Caller) -> QuerySet[ConsentRequest]:
    return consent_requests_visible_to(caller).exclude(status=RequestStatus.PENDING).order_by("-requested_at")


def live_grants(caller: Caller) -> QuerySet[ConsentGrant]:
    """Signed consents not ended: in force, suspended, or signed for a term still to begin. Each
    row's badge reads its suspensions, fetched with the page in one query."""
    return (
        grants_visible_to(caller)
        .filter(status__in=LIVE_GRANT_STATUSES)
        .select_related("studio", "performer")
        .prefetch_related("suspensions")
        .order_by("-activated_at")
    )


def ended_grants(caller: Caller) -> QuerySet[ConsentGrant]:
    return (
        grants_visible_to(caller)
        .exclude(status__in=LIVE_GRANT_STATUSES)
        .select_related("studio", "performer")
        .prefetch_related("suspensions")
        .order_by("-activated_at")
    )


def cases_about(caller: Caller) -> QuerySet[Case]:
    """Violation cases (and training notices) about the performers the caller acts for, newest first."""
    return cases_visible_to(caller).order_by("-opened_at", "-id")


def open_cases(caller: Caller) -> QuerySet[Case]:
    return cases_about(caller).exclude(status=CaseStatus.RESOLVED)


def activity_for(performers: list[Performer]) -> QuerySet[AuditEvent]:
    """Audit entries concerning these performers, newest first. Callers pass only performers
    they were checked to act for."""
    if len(performers) == 1:
        return audit_events_for_performer(performers[0].public_id).order_by("-id")
    return AuditEvent.objects.filter(performer_id__in=[p.public_id for p in performers]).order_by("-id")


def checks_for(performers: list[Performer], *, before: int | None = None) -> QuerySet[ConsentCheckRecord]:
    """The consent checks studios made about these performers, newest first (DOMAIN.md 2.14).
    Callers pass only performers they were checked to act for."""
    qs = ConsentCheckRecord.objects.filter(performer__in=performers).select_related("studio").order_by("-id")
    return qs.filter(id__lt=before) if before is not None else qs


def earnings_bars(performer: Performer, year: int) -> tuple[list[Bar], Decimal]:
    """Twelve monthly bars of pay on issued documents, and the year's total."""
    by_month = performer_earnings_by_month(performer, year)
    bars = []
    for month in range(1, 13):
        key = f"{year}-{month:02d}"
        bars.append(
            Bar(
                label=calendar.month_abbr[month],
                long_label=f"{calendar.month_name[month]} {year}",
                value=by_month.get(key, Decimal("0.00")),
            )
        )
    return bars, sum((b.value for b in bars), Decimal("0.00"))


def earnings_currencies(performer: Performer, year: int) -> list[str]:
    """The currencies the year's documents are in (a chart of one currency is labelled with it)."""

    return sorted(
        set(
            InvoiceLine.objects.filter(
                performer=performer, invoice__period__year=year, invoice__status__in=ISSUED
            ).values_list("invoice__currency", flat=True)
        )
    )
