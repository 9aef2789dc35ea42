"""`manage.py log_sequence`: sequence the log's pending leaves now (what beat's `tlog.sequence`
does every few seconds), e.g. after an outage of the workers, or in embedded mode."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from registry.tlog import selectors, services


class Command(BaseCommand):
    help = "Sequence the transparency log's pending leaves and sign a checkpoint per batch."

    def handle(self, *args: Any, **options: Any) -> None:
        done = services.log_sequence()
        if done is None:
            self.stdout.write("Another sequencer is at work; nothing done.")
            return
        latest = selectors.latest_checkpoint()
        self.stdout.write(f"Sequenced {done} leaves; the log has {latest.size if latest else 0}.")
