"""Celery tasks for tokens: re-sign status lists after changes, and beat's periodic sweep."""

from __future__ import annotations

from celery import shared_task

from registry.tokens import services


@shared_task(
    name=services.REFRESH_STATUS_LIST_TASK,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=10,
)
def refresh_status_list(status_list_id: int) -> bool:
    # Idempotent: a list already signed at its latest change is left alone.
    return services.status_list_refresh(status_list_id=status_list_id)


@shared_task(name="tokens.refresh_status_lists")
def refresh_status_lists() -> int:
    return services.status_lists_refresh_all()
