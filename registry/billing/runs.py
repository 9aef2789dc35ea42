"""Billing runs: start or resume a period's run, plan it (the studios to bill), bill one studio
(the per-studio task of the fan-out), and record each studio's progress on the run.

Exactly once: a studio's documents for a period are unique in the database, each usage line
can be charged once and credited once, and billing a studio is one transaction that holds the
studio's row lock. Re-running a period, or running it twice at once, creates nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.billing import billable
from registry.billing.billable import unbilled_lines, uncredited_retractions
from registry.billing.documents import finalize_draft, run_credit_note_draft, run_invoice_draft
from registry.billing.models import LIVE_RUN_STATUSES, RUN_ERRORS_KEPT, BillingRun, BillingRunStudio
from registry.billing.periods import period_end, require_period_start
from registry.core.actors import Actor
from registry.core.errors import StateConflictError
from registry.core.vocabulary.billing import RunStatus
from registry.outbox import services as outbox
from registry.parties.locks import lock_studio

BILLING = Actor.system("billing")

# The tasks of the fan-out, enqueued by name: tasks call these services, never the reverse.
START_RUN_TASK = "billing.start_run"
BILL_STUDIO_TASK = "billing.bill_studio"


def billing_run_start(*, period: dt.date, actor: Actor, now: dt.datetime | None = None) -> tuple[BillingRun, bool]:
    """Create a run for the period and owe its start through the outbox (created True). If one is
    already pending or running for the period, return it (created False) and enqueue its start
    again: that is how a run whose worker died is resumed, and it is safe, since planning is done
    once and billing a studio twice creates nothing."""
    require_period_start(period)
    now = now or timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                run = BillingRun.objects.create(period=period, requested_by=actor.name, created_at=now)
                audit_record(
                    actor=actor,
                    action=AuditAction.BILLING_RUN_STARTED,
                    subject_type=AuditSubject.BILLING_RUN,
                    subject_id=run.public_id,
                    data={"period": period.isoformat()},
                )
                outbox.enqueue(START_RUN_TASK, run.pk)
                return run, True
        except IntegrityError:
            live = BillingRun.objects.filter(period=period, status__in=LIVE_RUN_STATUSES).first()
            if live is None:
                continue  # it finished between our insert and this read: start a new one
            with transaction.atomic():
                audit_record(
                    actor=actor,
                    action=AuditAction.BILLING_RUN_RESUMED,
                    subject_type=AuditSubject.BILLING_RUN,
                    subject_id=live.public_id,
                    data={"period": period.isoformat()},
                )
                outbox.enqueue(START_RUN_TASK, live.pk)
            return live, False
    raise StateConflictError(f"Could not start or join a billing run for {period:%Y-%m}; try again.")


def billing_run_plan(*, run_id: int, now: dt.datetime | None = None) -> list[int]:
    """Mark the run running and return the studios still to bill, those with the most lines
    first (so the run does not end waiting on one big studio started last; ties in id order).
    Planned once: a redelivered start task gets the same plan back, less the studios done."""
    now = now or timezone.now()
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        if run.status not in LIVE_RUN_STATUSES:
            return []
        if run.status == RunStatus.RUNNING:
            return list(run.studios.filter(done_at__isnull=True).order_by("pk").values_list("studio_id", flat=True))
        each = billable.studios_to_bill(run.period)  # from each studio's mark: its month, not its history
        charging = sorted(((pk, n) for pk, n, _ in each if n), key=lambda row: (-row[1], row[0]))
        studios = [pk for pk, _ in charging] + [pk for pk, n, crediting in each if crediting and not n]
        BillingRunStudio.objects.bulk_create([BillingRunStudio(run=run, studio_id=pk) for pk in studios])
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.studios_total = len(studios)
        run.save(update_fields=["status", "started_at", "studios_total"])
        if not studios:
            _complete(run, now)
    return studios


def bill_studio(*, run_id: int, studio_id: int, now: dt.datetime | None = None) -> int:
    """Bill one studio for the run's period: charges for unbilled covered use (late lines as
    adjustments), credit notes for retracted billed lines. Returns documents created. Safe to
    run again and concurrently: the studio row lock and the unique constraints see to that."""
    now = now or timezone.now()
    run = BillingRun.objects.get(pk=run_id)
    errors: list[dict] = []
    lines_billed = 0
    with transaction.atomic():
        studio = lock_studio(studio_id)
        read = billable.reading(studio_id)
        left: list[dt.date] = []
        drafts = []
        for currency in _currencies(studio_id, run.period, read):
            charges = run_invoice_draft(run=run, studio=studio, currency=currency, read_from=read.read_from, now=now)
            credits = run_credit_note_draft(
                run=run,
                studio=studio,
                currency=currency,
                retractions_after=read.retractions_after,
                retractions_through=read.retractions_through,
                now=now,
            )
            if charges.oldest_unbilled is not None:
                left.append(charges.oldest_unbilled)
            for made in (charges, credits):
                errors += made.errors
                if made.document is not None:
                    drafts.append(made)
                    lines_billed += made.lines
        billable.mark_read(
            studio_id, read, through=period_end(run.period), oldest_left=min(left, default=None), now=now
        )
        # Last, and together: finalizing takes the locks every studio's billing shares (the
        # year's document numbers, the audit chain), held to the commit. Taken after the lines
        # are read and rated, they are held for the finalizing (and the commit's checks of the
        # lines' keys) alone, so workers billing other studios never wait for this studio's
        # credit note or other currencies. (Checking the keys before taking them, SET
        # CONSTRAINTS ALL IMMEDIATE, was measured: the run was no faster, its cores less busy.)
        for made in drafts:
            finalize_draft(
                invoice=made.document,
                totals=made.totals,
                actor=BILLING,
                now=now,
                terms_agreement=made.terms_agreement,
            )
        created = len(drafts)
    _record_progress(run_id, studio_id, created, lines_billed, errors, now)
    return created


def _currencies(studio_id: int, period: dt.date, read: billable.Reading) -> list[str]:
    # DISTINCT in SQL: a studio may have a hundred thousand lines, and only a currency or two.
    charges = unbilled_lines(period, studio_id=studio_id, read_from=read.read_from)
    credits = uncredited_retractions(studio_id, after=read.retractions_after, through=read.retractions_through)
    return sorted(
        {
            currency
            for lines in (charges, credits)
            for currency in lines.order_by().values_list("agreement__currency", flat=True).distinct()
        }
    )


def _record_progress(
    run_id: int, studio_id: int, created: int, lines: int, errors: list[dict], now: dt.datetime
) -> None:
    """Count a studio once, however often its task was delivered. Its errors go on its own row;
    the run counts them and keeps the first RUN_ERRORS_KEPT, so what a studio writes under the
    run's lock is bounded whatever the studios before it reported."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        first_time = BillingRunStudio.objects.filter(run_id=run_id, studio_id=studio_id, done_at__isnull=True).update(
            done_at=now, errors=errors
        )
        if not first_time:
            return
        run.studios_done = F("studios_done") + 1
        run.documents_created = F("documents_created") + created
        run.lines_billed = F("lines_billed") + lines
        run.error_count = F("error_count") + len(errors)
        changed = ["studios_done", "documents_created", "lines_billed", "error_count"]
        room = RUN_ERRORS_KEPT - len(run.errors)
        if errors and room > 0:
            run.errors = run.errors + errors[:room]
            changed.append("errors")
        run.save(update_fields=changed)
        run.refresh_from_db()
        if run.status == RunStatus.RUNNING and not run.studios.filter(done_at__isnull=True).exists():
            _complete(run, now)


def _complete(run: BillingRun, now: dt.datetime) -> None:
    run.status = RunStatus.COMPLETED_WITH_ERRORS if run.error_count else RunStatus.COMPLETED
    run.finished_at = now
    run.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=BILLING,
        action=AuditAction.BILLING_RUN_FINISHED,
        subject_type=AuditSubject.BILLING_RUN,
        subject_id=run.public_id,
        data={
            "status": run.status,
            "documents": run.documents_created,
            "lines": run.lines_billed,
            "errors": run.error_count,
        },
    )
