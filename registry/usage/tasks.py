"""Celery tasks for usage: thin wrappers that call one function."""

from __future__ import annotations

from celery import shared_task

from registry.usage import partitions


@shared_task(name="usage.ensure_partitions")
def ensure_partitions() -> list[str]:
    """Beat: the months ahead get their partitions, and lines waiting in the default partition
    move into their month's (registry/usage/partitions.py)."""
    return [f"{month:%Y-%m}" for month in partitions.ensure_partitions()]
