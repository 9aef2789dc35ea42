"""`manage.py run_billing --period 2026-10`: start (or join) the period's run and show progress."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from registry.billing.models import BillingRun
from registry.billing.periods import parse_period
from registry.billing.runs import billing_run_start
from registry.core.actors import Actor
from registry.core.errors import InvalidInputError
from registry.core.vocabulary.billing import RunStatus


class Command(BaseCommand):
    help = "Bill a calendar month: one task per studio, idempotent; prints a progress bar until done."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the run")

    def handle(self, *args, period: str, timeout: int, **options):
        try:
            first_day = parse_period(period)
        except InvalidInputError as exc:
            raise CommandError(str(exc)) from exc
        run, created = billing_run_start(period=first_day, actor=Actor.system("run_billing command"))
        self.stdout.write(f"{'Started' if created else 'Resumed the live'} billing run {run.public_id} for {period}")
        deadline = time.monotonic() + timeout
        while True:
            run = BillingRun.objects.get(pk=run.pk)
            self._bar(run)
            if run.status in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERRORS):
                break
            if time.monotonic() > deadline:
                raise CommandError(f"run {run.public_id} still {run.status} after {timeout} s")
            time.sleep(0.5)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.status}: {run.documents_created} document(s), {run.lines_billed} line(s) billed, "
                f"{run.error_count} error(s)."
            )
        )
        for error in run.errors[:20]:
            self.stdout.write(self.style.WARNING(f"  {error}"))
        if run.error_count > 20:
            self.stdout.write(
                f"  ... and {run.error_count - 20} more: each studio's are on its row of the run "
                f"(admin: Billing run studios, run {run.public_id})"
            )

    def _bar(self, run: BillingRun) -> None:
        total = max(run.studios_total, 1)
        done = min(run.studios_done, total) if run.studios_total else (total if run.finished_at else 0)
        width = 30
        filled = int(width * done / total)
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {run.studios_done}/{run.studios_total} studios")
        sys.stdout.flush()
