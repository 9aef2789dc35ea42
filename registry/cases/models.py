"""Cases union staff work through: violations (use without valid consent) and notices (a
synthetic performer in a union role, a training licence), each with one workflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from registry.core.ids import new_public_id
from registry.core.partitions import both_or_neither
from registry.core.vocabulary.cases import CaseKind, CaseStatus


def new_case_id() -> str:
    return new_public_id("case")


class Case(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_case_id, editable=False)
    kind = models.CharField(max_length=24, choices=CaseKind.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="cases")
    performer = models.ForeignKey(
        "parties.Performer", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # With its use date: the foreign key to the partitioned usage lines is composite (usage 0006).
    usage_line = models.ForeignKey(
        "usage.UsageLine", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_constraint=False
    )
    usage_line_use_date = models.DateField(null=True, blank=True, editable=False)
    grant = models.ForeignKey(
        "consent.ConsentGrant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    synthetic_performer = models.ForeignKey(
        "usage.SyntheticPerformer", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    production_number = models.CharField(max_length=64, blank=True)
    reason_code = models.CharField(max_length=40)
    summary = models.TextField(max_length=4000)
    justification = models.TextField(blank=True, max_length=4000, help_text="The studio's justification, if any")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    outcome = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, max_length=10000)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=both_or_neither("usage_line", "usage_line_use_date"), name="case_usage_line_dated"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["studio", "kind"]),
            models.Index(fields=["performer", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.get_kind_display()}, {self.status})"
