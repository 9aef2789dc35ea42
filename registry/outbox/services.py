"""The transactional outbox: `enqueue` records a Celery task in the caller's transaction, and
`relay` publishes recorded tasks to the broker.

Why: a task sent with `.delay` in an on_commit callback is lost when the broker is down at that
moment (or the process dies between the commit and the send). A row written in the same
transaction as the change cannot be lost that way: it commits with the change or not at all.

- After the commit, an on_commit callback tries to relay the transaction's own rows at once, so
  work is not delayed while the broker is up.
- Whatever that missed (broker down, process killed) is relayed by beat's `outbox.relay` every
  few seconds, or by `manage.py relay_outbox`.
- A row is marked sent only after the broker accepted the message, in the transaction that holds
  the row's lock (SELECT … FOR UPDATE SKIP LOCKED), so two relays never publish the same row.
  A crash between the publish and that commit publishes the row again: delivery is at least
  once, and every task relayed this way is idempotent.

Embedded mode (no broker, tasks eager): the row is claimed, the task run in process after the
commit, as `.delay` did before; a task that raises leaves its row unsent (owed) and the error
propagates as it did.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from registry.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# One retry with a short pause: enough to reconnect a stale broker connection, short enough that
# a request whose on_commit relay meets a dead broker answers promptly (the row waits for beat).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
BATCH = 200
# Sent rows are kept a week for inspection in the admin, then pruned.
KEEP_SENT = dt.timedelta(days=7)


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args, dedupe_key: str | None = None) -> None:
    """Record `task(*args)` in the current transaction and relay it once the transaction commits.

    `task` is a Celery task or its name; args must be JSON (ids, not objects). With a dedupe_key,
    nothing is added while an unsent row with the same key exists: that row will run the task.
    Outside a transaction (autocommit) the row is committed at once and relayed at once.
    """
    if dedupe_key is None:
        enqueue_each(task, [args])
        return
    message = OutboxMessage(task=_task_name(task), args=list(args), dedupe_key=dedupe_key, created_at=timezone.now())
    # INSERT … ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite) against the partial unique
    # index on unsent keys. No pk comes back, so the relay finds the row by its key.
    OutboxMessage.objects.bulk_create([message], ignore_conflicts=True)
    transaction.on_commit(lambda: relay(match=Q(dedupe_key=dedupe_key)))


def enqueue_each(task, args_list: Iterable[Iterable]) -> None:
    """`enqueue` the same task once for each argument list, in one INSERT (no dedupe key)."""
    now = timezone.now()
    rows = [OutboxMessage(task=_task_name(task), args=list(args), created_at=now) for args in args_list]
    if not rows:
        return
    OutboxMessage.objects.bulk_create(rows)
    pks = [row.pk for row in rows]
    transaction.on_commit(lambda: relay(match=Q(pk__in=pks)))


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _task(name: str):
    try:
        return current_app.tasks[name]
    except KeyError:
        # A process that never imported the app's tasks module (beat, the relay command).
        current_app.loader.import_default_modules()
        return current_app.tasks[name]


def relay(*, match: Q | None = None, limit: int | None = None) -> int:
    """Publish unsent rows (those matching `match`, or all of them, oldest first); returns how
    many were published. Stops at the first publish error: the broker is probably down, and the
    rows left unsent are relayed later."""
    if _eager():
        return _run_eagerly(match)
    published = 0
    while True:
        batch = BATCH if limit is None else min(BATCH, limit - published)
        if batch <= 0:
            return published
        done, stopped = _relay_batch(match, batch)
        published += done
        if stopped or done < batch:
            return published


def _relay_batch(match: Q | None, batch: int) -> tuple[int, bool]:
    done = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.filter(sent_at__isnull=True)
        if match is not None:
            rows = rows.filter(match)
        # SKIP LOCKED: a row another relay is publishing is neither waited for nor published twice.
        # (SQLite ignores it; there, writers are serialised anyway.)
        rows = list(rows.select_for_update(skip_locked=True).order_by("id")[:batch])
        for row in rows:
            try:
                current_app.send_task(row.task, args=row.args, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
            except Exception as exc:  # kombu/redis raise several types for "broker unreachable"
                OutboxMessage.objects.filter(pk=row.pk).update(
                    attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
                )
                logger.warning("outbox: could not publish %s (row %s); the next relay will: %s", row.task, row.pk, exc)
                return done, True
            OutboxMessage.objects.filter(pk=row.pk).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            done += 1
    return done, False


def _run_eagerly(match: Q | None) -> int:
    """No broker: claim each row with one conditional UPDATE and run its task here, outside any
    transaction of the relay's own, exactly as an on_commit `.delay` ran it before."""
    rows = OutboxMessage.objects.filter(sent_at__isnull=True)
    if match is not None:
        rows = rows.filter(match)
    ran = 0
    for pk, name, args in rows.order_by("id").values_list("pk", "task", "args"):
        claimed = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True)
        if not claimed.update(sent_at=timezone.now(), attempts=F("attempts") + 1):
            continue
        try:
            _task(name).apply_async(args=args)
        except Exception as exc:
            # Still owed: the next relay (or relay_outbox) runs it again.
            OutboxMessage.objects.filter(pk=pk).update(sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:500])
            raise
        ran += 1
    return ran


def prune(*, now: dt.datetime | None = None) -> int:
    """Delete rows sent longer ago than OUTBOX_KEEP_SENT: they are plumbing, not records (what a
    task did is recorded by the task's own service). Unsent rows are never deleted."""
    now = now or timezone.now()
    keep = getattr(settings, "OUTBOX_KEEP_SENT", KEEP_SENT)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=now - keep).delete()
    return deleted


def unsent(tasks: Iterable[str] | None = None) -> int:
    rows = OutboxMessage.objects.filter(sent_at__isnull=True)
    return rows.filter(task__in=list(tasks)).count() if tasks is not None else rows.count()
