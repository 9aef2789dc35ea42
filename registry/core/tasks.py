"""The worker watchdog's heartbeat (registry.core.worker_liveness)."""

from __future__ import annotations

from celery import shared_task

from registry.core.worker_liveness import HEARTBEAT_TASK


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def worker_heartbeat() -> None:
    """Nothing to do: what counts is that the worker's consumer received it."""
