"""Appending to the audit trail, inside the transaction of the change being recorded."""

from __future__ import annotations

from typing import Any

from django.db import router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject, recorded_as
from registry.audit.chain import GENESIS_HASH, entry_hash
from registry.audit.models import AuditEvent, normalise_data
from registry.core.actors import Actor
from registry.tlog import leaves
from registry.tlog import services as log
from registry.tlog.models import LeafKind

# pg_advisory_xact_lock key for appends: the bytes b"auditlog" read as a big-endian integer.
AUDIT_APPEND_LOCK_ID = 0x61756469746C6F67


def audit_record(
    *,
    actor: Actor,
    action: AuditAction,
    subject_type: AuditSubject,
    subject_id: str,
    data: dict[str, Any] | None = None,
    performer_id: str | None = None,
    studio_id: str | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it.

    The action and subject must be in the audit catalogue (registry/audit/catalogue.py), the
    action recorded on that kind of subject: ValueError otherwise, before anything is written.
    Must run inside `transaction.atomic()`: the event commits or rolls back with the change it
    records. Appends are serialised until that transaction ends, so call this as late in the
    service as is convenient.
    """
    action, subject_type = recorded_as(action, subject_type)
    using = router.db_for_write(AuditEvent)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError(
            "audit_record() must be called inside transaction.atomic(): the audit event is "
            "written in the same transaction as the change it records."
        )
    _serialise_appends(connection)

    # Read the head only after taking the lock: a READ COMMITTED statement sees the previous
    # holder's committed row. Under a stale snapshot the unique prev_hash refuses the fork.
    prev_hash = (
        AuditEvent.objects.using(using).order_by("-id").values_list("content_hash", flat=True).first()
    ) or GENESIS_HASH

    event = AuditEvent(
        # Taken after the lock, so occurred_at never goes backwards along the chain.
        occurred_at=timezone.now(),
        actor_kind=str(actor.kind),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        performer_id=performer_id,
        studio_id=studio_id,
        data=normalise_data(data),
        prev_hash=prev_hash,
    )
    event.content_hash = entry_hash(event.chain_content(), prev_hash)
    event.save(using=using, force_insert=True)
    log.leaf_append(kind=LeafKind.AUDIT_EVENT, ref=str(event.pk), record=log_record(event))
    return event


def log_record(event: AuditEvent) -> dict[str, Any]:
    """The event's leaf in the transparency log: its place in the chain and its hash, not its
    content (names, personal data). Whoever holds the event recomputes content_hash and finds it."""
    return {
        "type": LeafKind.AUDIT_EVENT.value,
        "seq": event.pk,
        "occurred_at": leaves.timestamp(event.occurred_at),
        "action": event.action,
        "prev_hash": event.prev_hash,
        "content_hash": event.content_hash,
    }


def _serialise_appends(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_APPEND_LOCK_ID])
    # SQLite: the project opens transactions with BEGIN IMMEDIATE, so writers are already
    # serialised for the whole transaction.
