"""Celery tasks of the transparency log: beat's sequencer, and submissions to witnesses."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from registry.tlog import services


@shared_task(name=services.SEQUENCE_TASK, ignore_result=True)
def sequence() -> int | None:
    # A run that finds another at work (the advisory lock taken) returns at once, so runs never
    # queue behind each other; a long backlog is worked off in slices of ten beat intervals.
    return services.log_sequence(max_seconds=settings.TLOG_SEQUENCE_INTERVAL * 10)


@shared_task(name=services.SUBMIT_TO_WITNESSES_TASK, ignore_result=True)
def submit_to_witnesses() -> int:
    return services.witnesses_submit()
