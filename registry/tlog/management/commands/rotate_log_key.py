"""`manage.py rotate_log_key`: a new Ed25519 key signs the log's checkpoints from now on; the old
one co-signs them for TLOG_KEY_OVERLAP_DAYS more (docs/operators/keys.md, "The log key")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from registry.tlog import selectors, services


class Command(BaseCommand):
    help = "Rotate the transparency log's signing key (the rotation itself becomes a leaf of the log)."

    def handle(self, *args: Any, **options: Any) -> None:
        key = services.log_key_rotate()
        self.stdout.write(f"New log key: {selectors.verifier(key).vkey}")
        self.stdout.write("Publish it to verifiers; the old key co-signs checkpoints during the overlap.")
