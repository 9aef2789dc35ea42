"""Celery tasks for billing. They take ids, call one service, and are safe to run twice:
acks_late and reject_on_worker_lost redeliver a task whose worker died, and the database
constraints make the second delivery create nothing new."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from registry.billing import interest, notifications, reminders, runs
from registry.billing.periods import previous_period
from registry.core.actors import Actor
from registry.outbox import services as outbox

RELIABLE = {
    "acks_late": True,
    # The task option is reject_on_worker_lost (task_reject_on_worker_lost is the setting's name).
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 8,
}


@shared_task(name=runs.START_RUN_TASK, **RELIABLE)
def start_run(run_id: int) -> int:
    """Fan out: one task per studio with something to bill."""
    studios = runs.billing_run_plan(run_id=run_id)
    # Through the outbox, in one transaction: a broker that fails halfway through the fan-out
    # delays the rest instead of losing it. The key keeps a redelivered start_run from queueing
    # a second unsent copy.
    with transaction.atomic():
        for studio_id in studios:
            outbox.enqueue(bill_studio, run_id, studio_id, dedupe_key=f"{runs.BILL_STUDIO_TASK}:{run_id}:{studio_id}")
    return len(studios)


@shared_task(name=runs.BILL_STUDIO_TASK, **RELIABLE)
def bill_studio(run_id: int, studio_id: int) -> int:
    return runs.bill_studio(run_id=run_id, studio_id=studio_id)


@shared_task(name="billing.monthly")
def monthly() -> str:
    """Beat, on the 1st: bill the month just ended."""
    run, _ = runs.billing_run_start(
        period=previous_period(timezone.localdate()), actor=Actor.system("monthly schedule")
    )
    return run.public_id


@shared_task(name="billing.late_interest", **RELIABLE)
def late_interest(month: str | None = None) -> int:
    """Beat, on the 1st: fan out one task per studio and currency with interest to charge for
    the month just ended (or `month`, YYYY-MM-01). Safe to run twice: a note per studio, currency
    and month is unique."""
    period = dt.date.fromisoformat(month) if month else previous_period(timezone.localdate())
    pairs = interest.interest_studios(period)
    with transaction.atomic():
        for studio_id, currency in pairs:
            outbox.enqueue(
                interest_note,
                studio_id,
                currency,
                period.isoformat(),
                dedupe_key=f"billing.interest_note:{studio_id}:{currency}:{period.isoformat()}",
            )
    return len(pairs)


@shared_task(name="billing.interest_note", **RELIABLE)
def interest_note(studio_id: int, currency: str, month: str) -> str | None:
    note = interest.interest_note_issue(studio_id=studio_id, currency=currency, month=dt.date.fromisoformat(month))
    return note.number if note else None


@shared_task(name="billing.overdue_reminders", **RELIABLE)
def overdue_reminders() -> int:
    """Beat, daily: remind studios of documents that fell due or reached a reminder step."""
    return reminders.reminders_send()


@shared_task(name=reminders.SEND_REMINDER_EMAIL_TASK, **RELIABLE)
def send_overdue_email(reminder_id: int) -> int:
    return notifications.send_overdue_reminder(reminder_id)
