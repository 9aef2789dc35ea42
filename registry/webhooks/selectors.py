"""Reads for webhooks, scoped to who asks before anything else."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from registry.core.vocabulary.webhooks import DeliveryStatus
from registry.parties.callers import Caller, visible_to
from registry.webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_visible_to(caller: Caller) -> QuerySet[WebhookEndpoint]:
    """Studios their own endpoints, staff all; the performer side none."""
    return visible_to(caller, WebhookEndpoint.objects.select_related("studio"), performer=None)


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("message", "endpoint")
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("number")))
    )


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next automatic attempt is due, oldest first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
