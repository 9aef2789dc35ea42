"""Celery tasks for webhooks: thin, by id, named explicitly."""

from __future__ import annotations

from celery import shared_task

from registry.webhooks import notifications, selectors, services


@shared_task(name=services.DELIVER_TASK)
def deliver(delivery_id: int) -> bool:
    """One automatic attempt; a duplicate message is harmless (the claim refuses it)."""
    return services.delivery_attempt(delivery_id=delivery_id) is not None


@shared_task(name=services.REDELIVER_TASK)
def redeliver(delivery_id: int) -> bool:
    return services.delivery_attempt(delivery_id=delivery_id, manual=True) is not None


@shared_task(name="webhooks.retry_due")
def retry_due() -> int:
    """Beat: enqueue the deliveries whose next attempt is due. Retries wait in the database,
    not as Celery ETA tasks, which Redis would redeliver after its visibility timeout."""
    due = selectors.deliveries_due()
    for pk in due:
        deliver.delay(pk)
    return len(due)


@shared_task(
    name=services.NOTIFY_ENDPOINT_DISABLED_TASK,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def notify_endpoint_disabled(endpoint_id: int) -> int:
    return notifications.send_endpoint_disabled(endpoint_id)
