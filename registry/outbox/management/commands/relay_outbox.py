"""Relay unsent outbox rows to the broker: once, or every --interval seconds until stopped.

Beat's `outbox.relay` does the same every few seconds; this command is for running without beat,
or for draining the outbox by hand after an outage.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from registry.outbox import services


class Command(BaseCommand):
    help = "Publish unsent outbox rows to the Celery broker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0, help="Relay again every N seconds until stopped (0: once)."
        )

    def handle(self, *args, interval: float = 0, **options):
        while True:
            published = services.relay()
            left = services.unsent()
            self.stdout.write(f"published {published}, unsent {left}")
            if not interval:
                return
            time.sleep(interval)
