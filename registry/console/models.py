"""Exports too large to stream: written to a file by a worker, downloaded when ready."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from registry.core.ids import new_public_id
from registry.core.vocabulary.console import ExportStatus


def new_export_id() -> str:
    return new_public_id("exp")


class ExportFile(models.Model):
    """One export of the staff console (kind, dates, fund) written as a CSV file in
    settings.EXPORT_DIR. The file is named by the public id and appears there only complete."""

    public_id = models.CharField(max_length=40, unique=True, default=new_export_id, editable=False)
    kind = models.CharField(max_length=16, help_text="A key of console.selectors.EXPORTS")
    start = models.DateField()
    end = models.DateField()
    fund = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    rows_expected = models.PositiveIntegerField(help_text="Records counted when it was requested")
    rows_written = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="When the writer last reported progress")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="export_file_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.start}..{self.end} ({self.public_id}, {self.status})"

    @property
    def file_name(self) -> str:
        return f"{self.public_id}.csv"

    @property
    def download_name(self) -> str:
        suffix = f"-{self.fund}" if self.fund else ""
        return f"{self.kind}{suffix}-{self.start:%Y%m%d}-{self.end:%Y%m%d}.csv"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.READY:
            return 100
        return min(99, self.rows_written * 100 // self.rows_expected) if self.rows_expected else 0
