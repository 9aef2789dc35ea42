"""The transactional outbox: Celery tasks owed after a commit, stored in the same transaction."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One task to publish to the broker. Unsent (sent_at null) means still owed: the relay
    publishes it and marks it sent only once the broker has accepted it."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    # At most one unsent row per key: a burst of changes to one status list asks for one re-sign.
    # NULL (not "") for rows without a key, so they never collide in the unique index.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(sent_at__isnull=True),
                name="outbox_one_unsent_per_dedupe_key",
            )
        ]
        indexes = [
            # The relay reads unsent rows oldest first; sent rows (nearly all of them) stay out.
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
