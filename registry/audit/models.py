"""The audit trail: one append-only, hash-chained row per recorded change."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from registry.audit.chain import ChainEntry


def normalise_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON form of `data` exactly as the database will give it back.

    Decimals, dates and UUIDs become strings here, so the hash computed before the insert is
    the hash of what is read back later. Floats are refused: PostgreSQL's jsonb rewrites some
    of them (1e16 comes back as an integer, -0.0 as 0.0), which would look like tampering.
    """
    normalised = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, allow_nan=False))
    if not isinstance(normalised, dict):
        raise TypeError("audit data must be a JSON object (a dict).")
    _refuse_floats(normalised, path="data")
    return normalised


def _refuse_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        hint = "not finite" if not math.isfinite(value) else "a float"
        raise TypeError(
            f"{path} is {hint} ({value!r}); audit data must not contain floats. "
            "Pass a Decimal or a string so the value hashes the same after a database round trip."
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def hashed_content(
    *,
    occurred_at: dt.datetime,
    actor_kind: str,
    actor_id: str,
    actor_name: str,
    action: str,
    subject_type: str,
    subject_id: str,
    performer_id: str | None,
    studio_id: str | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    """What an entry's content_hash covers. Changing this breaks every existing chain."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be an aware datetime.")
    return {
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_kind": str(actor_kind),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "performer_id": performer_id,
        "studio_id": studio_id,
        "data": data,
    }


HASHED_FIELDS = (
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "subject_type",
    "subject_id",
    "performer_id",
    "studio_id",
    "data",
)


class AuditEvent(models.Model):
    """Written only by services.audit_record; the database refuses UPDATE and DELETE."""

    id = models.BigAutoField(primary_key=True)  # the position in the chain
    occurred_at = models.DateTimeField()
    # Actor fields are copied, not foreign keys: history must survive deletions.
    actor_kind = models.CharField(max_length=20)
    actor_id = models.CharField(max_length=64)
    actor_name = models.CharField(max_length=200)
    action = models.CharField(max_length=80, help_text='For example "consent_request.created".')
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64, help_text="The subject's public id.")
    # NULL when no performer (or studio) is concerned: clearer in the hashed content than "".
    performer_id = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        db_index=True,
        help_text="Public id of the performer concerned, for their activity page.",
    )
    studio_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, help_text="Studio public id."
    )
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Unique: two entries naming the same predecessor would fork the chain.
    prev_hash = models.CharField(max_length=64, unique=True)
    content_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.subject_type}:{self.subject_id}"

    def chain_content(self) -> dict[str, Any]:
        return hashed_content(**{field: getattr(self, field) for field in HASHED_FIELDS})

    def as_chain_entry(self) -> ChainEntry:
        return ChainEntry(
            seq=self.id,
            content=self.chain_content(),
            prev_hash=self.prev_hash,
            content_hash=self.content_hash,
        )
