"""Portal emails as Celery tasks: thin, by id, retried on network errors."""

from __future__ import annotations

from celery import shared_task

from registry.portal import notifications, services


@shared_task(
    name=services.SEND_INVITATION_TASK, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8
)
def send_invitation(invitation_pk: int) -> int:
    return notifications.send_invitation(invitation_pk)
