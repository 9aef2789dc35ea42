"""Writes for webhooks: endpoints, emitting events, delivery attempts, redelivery, disabling.

Events are stored in the transaction of the change they announce, their first send owed through
the outbox (relayed to Celery once it commits); each HTTP attempt happens outside any transaction
and is then recorded in one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.core.encryption import fernet
from registry.core.errors import FieldProblem, NotFoundError, RuleRefusalError, StateConflictError
from registry.core.vocabulary.webhooks import AttemptTrigger, DeliveryStatus, EndpointStatus, EventType
from registry.outbox import services as outbox
from registry.parties.locks import lock_studio
from registry.parties.models import Studio
from registry.webhooks import sender, signing
from registry.webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage

# Tasks this module enqueues through the outbox, by name (registry/webhooks/tasks.py runs them).
DELIVER_TASK = "webhooks.deliver"
REDELIVER_TASK = "webhooks.redeliver"
NOTIFY_ENDPOINT_DISABLED_TASK = "webhooks.notify_endpoint_disabled"

MAX_ENDPOINTS_PER_STUDIO = 20


# --- Endpoints --------------------------------------------------------------------------------
def allowed_networks() -> tuple[sender.Network, ...]:
    return sender.parse_networks(settings.WEBHOOK_ALLOWED_NETWORKS)


def _url_problems(url: str) -> list[FieldProblem]:
    """What registration can tell from the URL itself. A host name is resolved and checked
    again at every attempt, since DNS can change after registration."""
    try:
        URLValidator()(url)
    except ValidationError:
        return [FieldProblem("url", "invalid", "Enter a valid URL.")]
    parts = urlsplit(url)
    schemes = ("https",) if settings.WEBHOOK_REQUIRE_HTTPS else ("http", "https")
    if parts.scheme not in schemes:
        return [FieldProblem("url", "scheme_not_allowed", f"Use an {' or '.join(schemes)} URL.")]
    host = parts.hostname or ""
    if not host:
        return [FieldProblem("url", "invalid", "The URL has no host.")]
    if parts.username or parts.password:
        return [FieldProblem("url", "credentials_in_url", "Put no credentials in the URL; verify the signature.")]
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return [FieldProblem("url", "invalid", "The URL's port is not valid.")]
    refused = FieldProblem(
        "url", "address_not_allowed", "Webhooks are not sent to private, loopback or link-local addresses."
    )
    if host == "localhost" or host.endswith(".localhost"):
        return [] if sender.address_allowed("127.0.0.1", allowed_networks()) else [refused]
    try:
        allowed = sender.address_allowed(host, allowed_networks())
    except ValueError:
        return []  # a host name, checked when sending
    return [] if allowed else [refused]


def _event_type_problems(event_types: list[str]) -> list[FieldProblem]:
    if not event_types:
        return [FieldProblem("event_types", "required", "Subscribe to at least one event type.")]
    known = set(EventType.values)
    return [
        FieldProblem(f"event_types.{i}", "unknown_event_type", f"{name!r} is not an event type.")
        for i, name in enumerate(event_types)
        if name not in known
    ]


def _validate(url: str | None, event_types: list[str] | None) -> None:
    problems = []
    if url is not None:
        problems += _url_problems(url)
    if event_types is not None:
        problems += _event_type_problems(event_types)
    if problems:
        raise RuleRefusalError(problems[0].message, problems=problems)


def _audit(endpoint: WebhookEndpoint, actor: Actor, action: AuditAction, data: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.public_id,
        studio_id=endpoint.studio.public_id,
        data={"url": endpoint.url, **data},
    )


def endpoint_create(
    *, studio: Studio, url: str, event_types: list[str], description: str = "", actor: Actor
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret, which is never shown again."""
    event_types = list(dict.fromkeys(event_types))
    _validate(url, event_types)
    secret = signing.new_secret()
    with transaction.atomic():
        lock_studio(studio.pk)
        if WebhookEndpoint.objects.filter(studio=studio).count() >= MAX_ENDPOINTS_PER_STUDIO:
            raise StateConflictError(f"A studio may register at most {MAX_ENDPOINTS_PER_STUDIO} endpoints.")
        endpoint = WebhookEndpoint.objects.create(
            studio=studio,
            url=url,
            description=description,
            event_types=event_types,
            secret_encrypted=fernet().encrypt(secret.encode("ascii")),
        )
        _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_CREATED, {"event_types": event_types})
    return endpoint, secret


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: Actor,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Enabling a disabled one clears its failure record."""
    if event_types is not None:
        event_types = list(dict.fromkeys(event_types))
    _validate(url, event_types)
    with transaction.atomic():
        endpoint = _lock_endpoint(endpoint.pk)
        changes: dict = {}
        for field, value in (("url", url), ("event_types", event_types), ("description", description)):
            if value is not None and getattr(endpoint, field) != value:
                changes[field] = value
                setattr(endpoint, field, value)
        if enabled is not None and enabled != endpoint.is_enabled:
            changes["status"] = EndpointStatus.ENABLED if enabled else EndpointStatus.DISABLED
            endpoint.status = changes["status"]
            endpoint.failing_since = None
            endpoint.disabled_at = None if enabled else timezone.now()
            endpoint.disabled_reason = "" if enabled else "Disabled by the studio."
        if changes:
            endpoint.save()
            _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_UPDATED, {"changes": changes})
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> tuple[WebhookEndpoint, str]:
    secret = signing.new_secret()
    with transaction.atomic():
        endpoint = _lock_endpoint(endpoint.pk)
        endpoint.secret_encrypted = fernet().encrypt(secret.encode("ascii"))
        endpoint.save(update_fields=["secret_encrypted", "updated_at"])
        _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_SECRET_ROTATED, {})
    return endpoint, secret


def endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete the endpoint with its deliveries and their log."""
    with transaction.atomic():
        endpoint = _lock_endpoint(endpoint.pk, deleting=True)
        _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_DELETED, {"event_types": endpoint.event_types})
        endpoint.delete()


def _lock_endpoint(pk: int, *, deleting: bool = False) -> WebhookEndpoint:
    """The endpoint's row locked, and only that row (`of`): locking the joined studio too would
    make a cycle with usage reports, which hold the studio and then add deliveries to the
    endpoint. NO KEY UPDATE, except to delete, so events keep being added to the endpoint while an
    attempt is recorded."""
    locked = WebhookEndpoint.objects.select_for_update(no_key=not deleting, of=("self",))
    try:
        return locked.select_related("studio").get(pk=pk)
    except WebhookEndpoint.DoesNotExist:
        # Read by the caller, then deleted by a request that committed first (schemathesis's
        # two workers found a PATCH racing a DELETE): the endpoint is gone, a 404, not a 500.
        raise NotFoundError("This webhook endpoint was deleted.") from None


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return fernet().decrypt(bytes(endpoint.secret_encrypted)).decode("ascii")


# --- Emitting ---------------------------------------------------------------------------------
def webhook_emit(
    event_type: str,
    *,
    studio: Studio | int | Iterable[Studio],
    data: dict,
    now: dt.datetime | None = None,
) -> list[WebhookMessage]:
    """Store the event for each studio with an enabled endpoint subscribed to it, its send owed
    through the outbox in the surrounding transaction. Nothing is stored for a studio without one."""
    if isinstance(studio, Studio | int):
        studio_ids = [studio.pk if isinstance(studio, Studio) else studio]
    else:
        studio_ids = [s.pk for s in studio]
    return webhook_emit_each(event_type, data_by_studio=dict.fromkeys(studio_ids, data), now=now)


def webhook_emit_each(
    event_type: str, *, data_by_studio: dict[int, dict], now: dt.datetime | None = None
) -> list[WebhookMessage]:
    """`webhook_emit` with each studio's own data, in a fixed number of statements whatever the
    number of studios (a strike's job tells up to every studio under an agreement per batch)."""

    assert event_type in EventType.values, event_type
    now = now or timezone.now()
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(studio_id__in=list(data_by_studio), status=EndpointStatus.ENABLED):
        if endpoint.subscribes_to(event_type):
            endpoints.setdefault(endpoint.studio_id, []).append(endpoint)
    messages = []
    for studio_id, data in data_by_studio.items():
        if studio_id not in endpoints:
            continue
        message = WebhookMessage(studio_id=studio_id, event_type=event_type, created_at=now)
        # The message id is in the body too, so receivers can log it without the headers.
        message.payload = {"id": message.public_id, "type": event_type, "timestamp": now.isoformat(), "data": data}
        messages.append(message)
    if not messages:
        return []
    WebhookMessage.objects.bulk_create(messages)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(message=message, endpoint=endpoint, next_attempt_at=now, created_at=now)
            for message in messages
            for endpoint in endpoints[message.studio_id]
        ]
    )
    # In this transaction: the first send survives a broker outage (beat's retry_due would also
    # find the pending delivery, but only as a retry).
    outbox.enqueue_each(DELIVER_TASK, [[delivery.pk] for delivery in deliveries])
    return messages


# --- Delivering -------------------------------------------------------------------------------
def _body(message: WebhookMessage) -> bytes:
    # Serialised once per attempt, and the signature is over exactly these bytes.
    return json.dumps(message.payload, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")


def _lease() -> dt.timedelta:
    # Long enough for one attempt; after it a crashed attempt is picked up again by the sweep.
    return dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 60)


def delivery_attempt(*, delivery_id: int, manual: bool = False, now: dt.datetime | None = None):
    """Make one HTTP attempt of a delivery and log it; returns the attempt, or None when the
    delivery was not due (another worker holds it, it succeeded, or it is not pending)."""
    now = now or timezone.now()
    rows = WebhookDelivery.objects.filter(pk=delivery_id)
    # Claiming is one conditional UPDATE: two workers given the same delivery cannot both send it.
    if not manual and not rows.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + _lease()
    ):
        return None
    delivery = rows.select_related("message", "endpoint", "endpoint__studio").first()
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        if not manual:
            rows.filter(status=DeliveryStatus.PENDING).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        return None
    body = _body(delivery.message)
    headers = signing.headers(
        endpoint_secret(endpoint), msg_id=delivery.message.public_id, timestamp=int(now.timestamp()), body=body
    )
    result = sender.post(
        endpoint.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allowed=allowed_networks()
    )
    return _record(delivery.pk, result, manual=manual, started_at=now)


def _record(delivery_id: int, result: sender.SendResult, *, manual: bool, started_at: dt.datetime):
    finished_at = started_at + dt.timedelta(milliseconds=result.latency_ms)
    with transaction.atomic():
        # The endpoint first, then the delivery: disabling it updates its other deliveries.
        endpoint_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).get()
        endpoint = _lock_endpoint(endpoint_id)
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        number = (delivery.attempts.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            trigger=AttemptTrigger.MANUAL if manual else AttemptTrigger.AUTOMATIC,
            started_at=started_at,
            finished_at=finished_at,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            succeeded=result.succeeded,
            error=result.error[:500],
            response_excerpt=result.response_excerpt[:1000],
        )
        delivery.last_attempt_at = started_at
        if not manual:
            delivery.automatic_attempts += 1
        if result.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.succeeded_at = finished_at
            delivery.next_attempt_at = None
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since", "updated_at"])
        else:
            if not manual and delivery.status == DeliveryStatus.PENDING:
                schedule = settings.WEBHOOK_RETRY_SCHEDULE
                if delivery.automatic_attempts <= len(schedule):
                    delay = schedule[delivery.automatic_attempts - 1]
                    delivery.next_attempt_at = finished_at + dt.timedelta(seconds=delay)
                else:
                    delivery.status = DeliveryStatus.FAILED
                    delivery.next_attempt_at = None
            _endpoint_failed(endpoint, at=started_at)
            if not endpoint.is_enabled and delivery.status == DeliveryStatus.PENDING:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
        delivery.save()
    return attempt


def _endpoint_failed(endpoint: WebhookEndpoint, *, at: dt.datetime) -> None:
    """Note the failure; an endpoint failing without a success for WEBHOOK_DISABLE_AFTER is
    disabled and the studio's contacts are told."""

    if endpoint.failing_since is None:
        endpoint.failing_since = at
        endpoint.save(update_fields=["failing_since", "updated_at"])
    if not endpoint.is_enabled or at - endpoint.failing_since < settings.WEBHOOK_DISABLE_AFTER:
        return
    endpoint.status = EndpointStatus.DISABLED
    endpoint.disabled_at = at
    endpoint.disabled_reason = (
        f"Every attempt failed from {endpoint.failing_since.isoformat()} to {at.isoformat()}."
    )[:500]
    endpoint.save(update_fields=["status", "disabled_at", "disabled_reason", "updated_at"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None
    )
    _audit(
        endpoint,
        Actor.system("webhook delivery"),
        AuditAction.WEBHOOK_ENDPOINT_DISABLED,
        {"reason": endpoint.disabled_reason},
    )
    outbox.enqueue(NOTIFY_ENDPOINT_DISABLED_TASK, endpoint.pk)


def delivery_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again now (one manual attempt), whatever its status."""

    with transaction.atomic():
        _lock_endpoint(delivery.endpoint_id)
        delivery = WebhookDelivery.objects.select_related("endpoint", "endpoint__studio", "message").get(
            pk=delivery.pk
        )
        if not delivery.endpoint.is_enabled:
            raise StateConflictError(
                f"Endpoint {delivery.endpoint.public_id} is disabled; enable it before redelivering."
            )
        _audit(
            delivery.endpoint,
            actor,
            AuditAction.WEBHOOK_DELIVERY_REDELIVERED,
            {"delivery": delivery.public_id, "message": delivery.message.public_id},
        )
        outbox.enqueue(REDELIVER_TASK, delivery.pk)
    return delivery
