"""The worker watchdog's heartbeat (registry.core.worker_liveness), and the monthly partitions'
upkeep (registry.core.partitions)."""

from __future__ import annotations

from celery import shared_task

from registry.core.partitions import monthly_tables
from registry.core.worker_liveness import HEARTBEAT_TASK


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def worker_heartbeat() -> None:
    """Nothing to do: what counts is that the worker's consumer received it."""


@shared_task(name="core.ensure_partitions")
def ensure_partitions() -> dict[str, list[str]]:
    """Beat, daily: each monthly table gets its months ahead, and rows waiting in its default
    partition move into their month's."""
    return {name: [f"{m:%Y-%m}" for m in table.ensure_partitions()] for name, table in monthly_tables().items()}
