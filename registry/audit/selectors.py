"""Reads of the audit trail, and the chain verification over the whole table."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from registry.audit.chain import ChainEntry, ChainReport, verify_chain
from registry.audit.models import HASHED_FIELDS, AuditEvent, hashed_content


def audit_events_for_subject(subject_type: str, subject_id: str) -> QuerySet[AuditEvent]:
    """The history of one thing, oldest first."""
    return AuditEvent.objects.filter(subject_type=subject_type, subject_id=subject_id)


def audit_events_for_performer(performer_id: str) -> QuerySet[AuditEvent]:
    """Every event concerning one performer, oldest first."""
    return AuditEvent.objects.filter(performer_id=performer_id)


def verify_audit_chain() -> ChainReport:
    """Walk the whole table in chain order, in constant memory (the console runs it as a job in
    slices: registry/console/services.py `chain_check_run`)."""
    return verify_chain(chain_entries())


def audit_chain_head() -> int:
    """The sequence number of the newest entry (0 for an empty log)."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def chain_entries(*, after: int = 0, upto: int | None = None, limit: int | None = None) -> Iterator[ChainEntry]:
    """The entries after sequence number `after` (up to `upto`, at most `limit`), in chain order."""
    rows = AuditEvent.objects.filter(id__gt=after)
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    rows = rows.order_by("id")
    if limit is not None:
        rows = rows[:limit]
    rows = rows.values("id", "prev_hash", "content_hash", *HASHED_FIELDS).iterator(chunk_size=2000)
    for row in rows:
        yield ChainEntry(
            seq=row["id"],
            content=hashed_content(**{field: row[field] for field in HASHED_FIELDS}),
            prev_hash=row["prev_hash"],
            content_hash=row["content_hash"],
        )
