"""Writes of the staff console: enrolling a staff member's TOTP device (audited), and export
files written in the background for ranges too large to stream."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.console import selectors
from registry.console.csvrows import csv_lines
from registry.console.models import ExportFile
from registry.core.actors import Actor
from registry.core.errors import InvalidInputError, StateConflictError
from registry.core.vocabulary.console import ExportStatus
from registry.outbox import services as outbox

# The task this module enqueues through the outbox, by name (registry/console/tasks.py runs it).
WRITE_EXPORT_TASK = "console.write_export"

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
