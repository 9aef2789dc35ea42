"""Work too long for a web request, done by a worker and followed on a page: exports too large
to stream (written to a file, downloaded when ready) and checks of the audit chain."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from registry.core.ids import new_public_id
from registry.core.vocabulary.console import ChainCheckStatus, ExportStatus


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


def new_chain_check_id() -> str:
    return new_public_id("acc")


class ChainCheck(models.Model):
    """One verification of the audit chain, from the first entry to the newest one when it was
    asked for, walked by a worker in slices. Each slice records where it stopped and the hash
    it reached, so a worker killed half way is followed by one that goes on from there."""

    public_id = models.CharField(max_length=40, unique=True, default=new_chain_check_id, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=ChainCheckStatus.choices, default=ChainCheckStatus.PENDING)
    upto = models.PositiveBigIntegerField(help_text="The newest entry when the check was asked for: it ends there")
    checked_through = models.PositiveBigIntegerField(default=0, help_text="The last entry verified")
    checked_hash = models.CharField(max_length=64, help_text="That entry's hash (where the next slice links)")
    entries_checked = models.PositiveBigIntegerField(default=0)
    intact = models.BooleanField(null=True, help_text="Empty until the check is done")
    broken_seq = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    detail = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One check waiting and one walking at most: asking again shows the one under way.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status__in=[ChainCheckStatus.PENDING, ChainCheckStatus.RUNNING]),
                name="chain_check_one_under_way",
            )
        ]

    def __str__(self) -> str:
        return f"audit chain check {self.public_id} ({self.status})"

    @property
    def under_way(self) -> bool:
        return self.status in (ChainCheckStatus.PENDING, ChainCheckStatus.RUNNING)

    @property
    def percent(self) -> int:
        """Sequence numbers grow by one an entry (a rolled-back event leaves a rare gap), so the
        share of them walked is the share of the log, without counting the table."""
        if self.status == ChainCheckStatus.DONE:
            return 100
        return min(99, self.checked_through * 100 // self.upto) if self.upto else 0
