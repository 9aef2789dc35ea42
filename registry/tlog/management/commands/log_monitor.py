"""`manage.py log_monitor <url>`: registry/tlog/monitor.py as a management command (the same
program as docs/examples/log_monitor.py). Exits 3 on an alert (a fork, a bad checkpoint, changed
entries, a token missing from the log), 2 when the log cannot be read."""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import Any

from django.core.management.base import BaseCommand

from registry.tlog import monitor


class Command(BaseCommand):
    help = "Monitor a transparency log: verify each new checkpoint, its consistency and every new entry."

    def add_arguments(self, parser) -> None:
        monitor.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        # A plain exit status (not CommandError): cron and systemd alert on it.
        sys.exit(monitor.run(Namespace(**options)))
