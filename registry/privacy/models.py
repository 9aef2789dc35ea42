"""Erasure requests: asked by the performer side, carried out or refused by union staff.

The requester is recorded by kind and id only (never a copied name): the row outlives the
erasure it asks for.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.core.ids import new_public_id
from registry.core.vocabulary.privacy import ErasureStatus


def new_erasure_id() -> str:
    return new_public_id("era")


class ErasureRequest(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_erasure_id, editable=False)
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="erasure_requests")
    status = models.CharField(max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING)
    requested_at = models.DateTimeField()
    requested_by_kind = models.CharField(max_length=20, help_text="performer or representative")
    requested_by_id = models.CharField(max_length=64, help_text="Public id or user id; no name is copied")
    reason = models.TextField(blank=True, max_length=2000)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True, help_text="The staff member's username")
    refusal_codes = models.JSONField(default=list, blank=True)
    refusal_detail = models.TextField(blank=True, max_length=4000)
    changes = models.JSONField(
        default=dict, blank=True, help_text="Rows changed per table when carried out (counts, no values)"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One request in the queue per performer: a second one adds nothing staff can act on.
            models.UniqueConstraint(
                fields=["performer"],
                condition=Q(status=ErasureStatus.PENDING),
                name="erasure_one_pending_per_performer",
            ),
            models.UniqueConstraint(
                fields=["performer"], condition=Q(status=ErasureStatus.COMPLETED), name="erasure_completed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"
