"""Celery tasks for consent: thin wrappers that take ids and call one service or mailer."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from registry.consent import check_log, notifications, services


@shared_task(
    name=services.NOTIFY_CONSENT_REQUEST_TASK,
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


@shared_task(name="consent.flush_check_log")
def flush_check_log() -> int:
    """Beat: move buffered consent checks into their table (DOMAIN.md 2.14)."""
    return check_log.check_log_flush()


@shared_task(name="consent.apply_due_strikes")
def apply_due_strikes() -> int:
    """Beat: start the jobs of strikes whose start has come, and any job gone quiet."""
    return services.strike_jobs_start_due()


@shared_task(
    name=services.RUN_STRIKE_JOB_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def run_strike_job(job_id: int) -> int:
    """Suspend or restore a strike's grants. Safe to deliver twice: each batch continues from
    the cursor the last one committed."""
    return services.strike_job_run(job_id=job_id).processed
