"""Beat's relay: publish what the on_commit relay could not (broker down, process killed)."""

from __future__ import annotations

from celery import shared_task

from registry.outbox import services


@shared_task(name="outbox.relay", ignore_result=True)
def relay() -> int:
    published = services.relay()
    services.prune()
    return published
