"""Celery tasks for consent: thin wrappers that take ids and call one service or mailer."""

from __future__ import annotations

from celery import shared_task

from registry.consent import notifications, services


@shared_task(
    name="consent.notify_consent_request",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def notify_consent_request(request_pk: int) -> int:
    """Email the performer and their representatives that a request awaits them."""
    return notifications.send_request_received(request_pk)


@shared_task(name="consent.expire_requests")
def expire_requests() -> int:
    return services.consent_requests_expire_due()


@shared_task(name="consent.expire_grants")
def expire_grants() -> int:
    return services.grants_expire_due()


@shared_task(name="consent.apply_due_strikes")
def apply_due_strikes() -> int:
    return services.strikes_apply_due()
