"""Writes of the staff console: enrolling a staff member's TOTP device (audited), and export
files written in the background for ranges too large to stream."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.audit import selectors as audit_selectors
from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.chain import GENESIS_HASH, ChainEntry, verify_chain
from registry.audit.services import audit_record
from registry.console import selectors
from registry.console.csvrows import csv_lines
from registry.console.models import ChainCheck, ExportFile
from registry.core.actors import Actor
from registry.core.errors import InvalidInputError, StateConflictError
from registry.core.vocabulary.console import ChainCheckStatus, ExportStatus
from registry.outbox import services as outbox

# The task this module enqueues through the outbox, by name (registry/console/tasks.py runs it).
WRITE_EXPORT_TASK = "console.write_export"
CHECK_AUDIT_CHAIN_TASK = "console.check_audit_chain"

DEVICE_NAME = "Authenticator app"


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed device a staff member is setting up: the same secret until they confirm
    it, so reloading the page does not invalidate the QR code they just scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str, actor: Actor) -> TOTPDevice:
    """Confirm a device with a code it produced. Refuses a wrong code (the device's own
    throttling applies) and a device that is confirmed already."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed:
            raise StateConflictError("This device is already set up.")
        if not device.verify_token(token):
            raise InvalidInputError("That code is not right. Check the time on your phone and try the next code.")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=actor,
            action=AuditAction.STAFF_TWO_FACTOR_ENROLLED,
            subject_type=AuditSubject.USER,
            subject_id=str(device.user_id),
            data={"device": device.persistent_id},
        )
    return device


# --- Export files -----------------------------------------------------------------------------
# A writer not heard from for this long (killed worker, lost message) is started again by beat.
EXPORT_STALE = dt.timedelta(minutes=2)
# The writer reports progress every so many rows.
PROGRESS_EVERY = 20_000


def export_dir() -> Path:
    return Path(settings.EXPORT_DIR)


def export_file_request(*, kind: str, start: dt.date, end: dt.date, fund: str, user, actor: Actor) -> ExportFile:
    """Ask a worker to write this export to a file: for ranges too large to stream."""
    if kind not in selectors.EXPORTS:
        raise InvalidInputError(f"There is no {kind!r} export.")
    now = timezone.now()
    with transaction.atomic():
        export = ExportFile.objects.create(
            kind=kind,
            start=start,
            end=end,
            fund=fund if kind == "remittance" else "",
            requested_by=user,
            rows_expected=selectors.export_size(kind, start, end, fund),
            created_at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT_REQUESTED,
            subject_type=AuditSubject.EXPORT,
            subject_id=export.public_id,
            data={"kind": kind, "start": start, "end": end, "fund": export.fund, "rows": export.rows_expected},
        )
        _enqueue_export(export)
    return export


def _enqueue_export(export: ExportFile) -> None:

    outbox.enqueue(WRITE_EXPORT_TASK, export.pk, dedupe_key=f"{WRITE_EXPORT_TASK}:{export.pk}")


def export_file_write(*, export_id: int, now: dt.datetime | None = None) -> ExportFile:
    """Write the export's rows to `<EXPORT_DIR>/<public id>.csv`, reporting progress as it goes.
    The rows go to a `.part` file renamed when complete, so a download never sees half a file;
    a writer killed half way is started again from the beginning (by beat, or when Redis
    delivers the task again). Safe to run twice: only one writer claims the export at a time."""
    now = now or timezone.now()
    claimed = (
        ExportFile.objects.filter(pk=export_id)
        .filter(Q(status=ExportStatus.PENDING) | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=now - EXPORT_STALE))
        .update(status=ExportStatus.RUNNING, started_at=now, heartbeat_at=now, rows_written=0, error="")
    )
    export = ExportFile.objects.get(pk=export_id)
    if not claimed:
        return export
    directory = export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    final, part = directory / export.file_name, directory / f"{export.file_name}.part"
    written = 0
    try:
        with part.open("w", encoding="utf-8", newline="") as out:
            lines = csv_lines(selectors.EXPORTS[export.kind].rows(export.start, export.end, export.fund))
            out.write(next(lines))  # the header
            for written, line in enumerate(lines, start=1):
                out.write(line)
                if written % PROGRESS_EVERY == 0:
                    ExportFile.objects.filter(pk=export_id).update(rows_written=written, heartbeat_at=timezone.now())
        os.replace(part, final)
    except Exception as exc:
        part.unlink(missing_ok=True)
        ExportFile.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}"[:500]
        )
        raise
    ExportFile.objects.filter(pk=export_id).update(
        status=ExportStatus.READY,
        rows_written=written,
        size_bytes=final.stat().st_size,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return ExportFile.objects.get(pk=export_id)


def export_files_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Beat: start again the exports no writer has reported on for EXPORT_STALE (their worker was
    killed, or their message lost), and delete the files older than EXPORT_KEEP_DAYS.
    Returns (started again, deleted)."""
    now = now or timezone.now()
    stale = now - EXPORT_STALE
    quiet = ExportFile.objects.filter(
        Q(status=ExportStatus.PENDING, created_at__lt=stale) | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=stale)
    )
    restarted = 0
    for export in quiet:
        with transaction.atomic():
            _enqueue_export(export)
        restarted += 1
    old = ExportFile.objects.filter(
        status=ExportStatus.READY, finished_at__lt=now - dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    )
    deleted = 0
    for export in old:
        (export_dir() / export.file_name).unlink(missing_ok=True)
        deleted += ExportFile.objects.filter(pk=export.pk, status=ExportStatus.READY).update(
            status=ExportStatus.EXPIRED
        )
    return restarted, deleted


# --- Audit chain checks ---------------------------------------------------------------------------
# Entries verified per slice: each slice is one query and one progress update (about a second).
CHAIN_CHECK_SLICE = 50_000
# A walker not heard from for this long (killed worker, lost message) is started again by beat,
# from the last slice it recorded.
CHAIN_CHECK_STALE = dt.timedelta(minutes=2)


def chain_check_request(*, user, actor: Actor, now: dt.datetime | None = None) -> ChainCheck:
    """Ask a worker to verify the audit chain, from the first entry to the newest one now. A
    check already under way is returned instead: the log is walked by one worker at a time."""
    now = now or timezone.now()
    under_way = ChainCheck.objects.filter(status__in=[ChainCheckStatus.PENDING, ChainCheckStatus.RUNNING]).first()
    if under_way is not None:
        return under_way
    try:
        with transaction.atomic():
            check = ChainCheck.objects.create(
                requested_by=user, upto=audit_selectors.audit_chain_head(), checked_hash=GENESIS_HASH, created_at=now
            )
            audit_record(
                actor=actor,
                action=AuditAction.CHAIN_CHECK_REQUESTED,
                subject_type=AuditSubject.CHAIN_CHECK,
                subject_id=check.public_id,
                data={"upto": check.upto},
            )
            _enqueue_chain_check(check)
    except IntegrityError:  # another request started one a moment ago
        return ChainCheck.objects.get(status__in=[ChainCheckStatus.PENDING, ChainCheckStatus.RUNNING])
    return check


def _enqueue_chain_check(check: ChainCheck) -> None:
    outbox.enqueue(CHECK_AUDIT_CHAIN_TASK, check.pk, dedupe_key=f"{CHECK_AUDIT_CHAIN_TASK}:{check.pk}")


def chain_check_run(*, check_id: int, now: dt.datetime | None = None) -> ChainCheck:
    """Walk the chain in slices of CHAIN_CHECK_SLICE entries from where the check stands,
    recording after each slice the last entry verified and its hash; stop at the first broken
    entry, or at the newest entry the check was asked for. Safe to run twice: one walker claims
    the check at a time, and a second one after a crash goes on from the last slice."""
    now = now or timezone.now()
    claimed = (
        ChainCheck.objects.filter(pk=check_id)
        .filter(
            Q(status=ChainCheckStatus.PENDING)
            | Q(status=ChainCheckStatus.RUNNING, heartbeat_at__lt=now - CHAIN_CHECK_STALE)
        )
        .update(status=ChainCheckStatus.RUNNING, started_at=now, heartbeat_at=now, error="")
    )
    check = ChainCheck.objects.get(pk=check_id)
    if not claimed:
        return check
    try:
        while True:
            entries: list[ChainEntry] = list(
                audit_selectors.chain_entries(after=check.checked_through, upto=check.upto, limit=CHAIN_CHECK_SLICE)
            )
            report = verify_chain(entries, prev_hash=check.checked_hash)
            if not report.ok:
                return _chain_check_finish(
                    check,
                    entries_checked=check.entries_checked + report.entries_checked - 1,
                    broken_seq=report.broken_seq,
                    reason=report.reason or "",
                    detail=report.detail,
                )
            if not entries:
                return _chain_check_finish(check, entries_checked=check.entries_checked)
            check.checked_through, check.checked_hash = entries[-1].seq, report.last_hash
            check.entries_checked += report.entries_checked
            ChainCheck.objects.filter(pk=check.pk).update(
                checked_through=check.checked_through,
                checked_hash=check.checked_hash,
                entries_checked=check.entries_checked,
                heartbeat_at=timezone.now(),
            )
    except Exception as exc:
        ChainCheck.objects.filter(pk=check_id).update(
            status=ChainCheckStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}"[:500]
        )
        raise


def _chain_check_finish(
    check: ChainCheck, *, entries_checked: int, broken_seq: int | None = None, reason: str = "", detail: str = ""
) -> ChainCheck:
    intact = broken_seq is None
    with transaction.atomic():
        ChainCheck.objects.filter(pk=check.pk).update(
            status=ChainCheckStatus.DONE,
            intact=intact,
            entries_checked=entries_checked,
            broken_seq=broken_seq,
            reason=reason,
            detail=detail,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        audit_record(
            actor=Actor.system("audit chain check"),
            action=AuditAction.CHAIN_CHECK_FINISHED,
            subject_type=AuditSubject.CHAIN_CHECK,
            subject_id=check.public_id,
            data={
                "intact": intact,
                "entries_checked": entries_checked,
                "upto": check.upto,
                "last_hash": check.checked_hash if intact else None,
                "broken_seq": broken_seq,
                "reason": reason or None,
            },
        )
    return ChainCheck.objects.get(pk=check.pk)


def chain_checks_sweep(*, now: dt.datetime | None = None) -> int:
    """Beat: start again the checks no walker has reported on for CHAIN_CHECK_STALE."""
    now = now or timezone.now()
    stale = now - CHAIN_CHECK_STALE
    quiet = ChainCheck.objects.filter(
        Q(status=ChainCheckStatus.PENDING, created_at__lt=stale)
        | Q(status=ChainCheckStatus.RUNNING, heartbeat_at__lt=stale)
    )
    restarted = 0
    for check in quiet:
        with transaction.atomic():
            _enqueue_chain_check(check)
        restarted += 1
    return restarted
