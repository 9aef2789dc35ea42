"""Writes for privacy: recording an export, asking for erasure, refusing it, carrying it out.

Carrying out is one transaction under the performer's row lock: the rules are checked again
(the state may have changed since the request), then each domain's privacy module replaces the
performer's personal data in its own tables by a pseudonym (registry/privacy/domains.py), and one
`performer.erased` audit event records which tables changed and how many rows (never the values).
Signed and financial records keep their rows, hashes, amounts and links; only the names in them
change. The audit log is append-only and hash-chained, so its entries are not touched: see docs/concepts/privacy.md
"Privacy: export and erasure".
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor, ActorKind
from registry.core.errors import DomainError, FieldProblem, NotPermittedError, StateConflictError
from registry.core.personal_data import RowsChanged
from registry.core.problems import ProblemType
from registry.core.vocabulary.privacy import ErasureStatus
from registry.parties.authority import require_authority
from registry.parties.models import Performer
from registry.parties.roles import staff_role
from registry.parties.rules import Act
from registry.privacy import rules, selectors
from registry.privacy.domains import performer_data_modules
from registry.privacy.models import ErasureRequest


class ErasureRefusedError(DomainError):
    """The registry must keep the data for now; `problems` names each reason."""

    slug = ProblemType.ERASURE_REFUSED


def _refusal(blockers: list[rules.Blocker]) -> ErasureRefusedError:
    return ErasureRefusedError(
        "Erasure is not possible now: " + " ".join(b.message for b in blockers),
        problems=[FieldProblem(None, str(b.code), b.message) for b in blockers],
    )


def privacy_actor(actor: Actor) -> Actor:
    """The actor as privacy events record it. The audit log keeps every name it is given for
    ever, so a performer-side person asking for their data or its erasure is recorded by id
    only; staff are recorded as usual."""
    if actor.kind in (ActorKind.PERFORMER, ActorKind.REPRESENTATIVE):
        return Actor(actor.kind, actor.id, f"{actor.kind} {actor.id}")
    return actor


def _privacy_rights_actor(acting_user, performer: Performer, now: dt.datetime) -> Actor:
    """The actor for an export or an erasure request: union staff read as themselves; on the
    performer side the user must hold the performer's privacy rights today (the performer, or
    their lawyer, guardian or estate)."""
    if staff_role(acting_user) is not None:
        return Actor(ActorKind.STAFF, str(acting_user.pk), acting_user.get_username())
    authority = require_authority(
        user=acting_user, performer=performer, act=Act.PRIVACY_RIGHTS, on=timezone.localdate(now)
    )
    return privacy_actor(authority.actor())


# --- Export ----------------------------------------------------------------------------------
def performer_export(*, performer: Performer, acting_user, now: dt.datetime | None = None) -> dict:
    """The export document, with an audit event saying who took it (each export is audited)."""
    now = now or timezone.now()
    actor = _privacy_rights_actor(acting_user, performer, now)
    with transaction.atomic():
        document = selectors.performer_export(performer, now=now)
        audit_record(
            actor=actor,
            action=AuditAction.PERFORMER_EXPORTED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"format": selectors.EXPORT_FORMAT, "version": selectors.EXPORT_VERSION},
        )
    return document


# --- Asking ----------------------------------------------------------------------------------
def erasure_request_submit(
    *, performer: Performer, acting_user, reason: str = "", now: dt.datetime | None = None
) -> ErasureRequest:
    """Queue a request for staff, or refuse it at once when the rules already say no (nothing
    is stored then, so the performer can ask again once the reasons are gone). Only the
    performer side asks: the performer, or their lawyer, guardian or estate."""
    now = now or timezone.now()
    if staff_role(acting_user) is not None:
        raise NotPermittedError("Union staff do not ask for erasure; the performer or their representative does.")
    actor = _privacy_rights_actor(acting_user, performer, now)
    with transaction.atomic():
        performer = Performer.objects.select_for_update().get(pk=performer.pk)
        blockers = rules.erasure_blockers(selectors.holdings(performer, now=now))
        if blockers:
            raise _refusal(blockers)
        if ErasureRequest.objects.filter(performer=performer, status=ErasureStatus.PENDING).exists():
            raise StateConflictError("An erasure request for this performer is already waiting for union staff.")
        try:
            with transaction.atomic():
                request = ErasureRequest.objects.create(
                    performer=performer,
                    requested_at=now,
                    requested_by_kind=str(actor.kind),
                    requested_by_id=actor.id,
                    reason=reason.strip(),
                )
        except IntegrityError as exc:  # a concurrent request won the unique constraint
            raise StateConflictError("An erasure request for this performer is already waiting.") from exc
        audit_record(
            actor=actor,
            action=AuditAction.ERASURE_REQUESTED,
            subject_type=AuditSubject.ERASURE_REQUEST,
            subject_id=request.public_id,
            performer_id=performer.public_id,
            data={},
        )
    return request


def _lock_pending(request: ErasureRequest) -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().select_related("performer").get(pk=request.pk)
    if request.status != ErasureStatus.PENDING:
        raise StateConflictError(f"Erasure request {request.public_id} is {request.status}, not pending.")
    return request


def _refuse(request: ErasureRequest, *, codes: list[str], detail: str, actor: Actor, now: dt.datetime) -> None:
    request.status = ErasureStatus.REFUSED
    request.decided_at = now
    request.decided_by = actor.name
    request.refusal_codes = codes
    request.refusal_detail = detail
    request.save(update_fields=["status", "decided_at", "decided_by", "refusal_codes", "refusal_detail"])
    audit_record(
        actor=actor,
        action=AuditAction.ERASURE_REFUSED,
        subject_type=AuditSubject.ERASURE_REQUEST,
        subject_id=request.public_id,
        performer_id=request.performer.public_id,
        data={"codes": codes},
    )


def erasure_request_refuse(
    *, request: ErasureRequest, reason: str, actor: Actor, now: dt.datetime | None = None
) -> ErasureRequest:
    """Staff refuse for a reason of their own (e.g. the requester's identity is not verified)."""
    reason = (reason or "").strip()
    if not reason:
        raise StateConflictError("Give the reason for refusing.")
    with transaction.atomic():
        request = _lock_pending(request)
        _refuse(request, codes=["refused_by_staff"], detail=reason, actor=actor, now=now or timezone.now())
    return request


# --- Carrying out ----------------------------------------------------------------------------
def erasure_carry_out(*, request: ErasureRequest, actor: Actor, now: dt.datetime | None = None) -> ErasureRequest:
    """Pseudonymise the performer, or refuse (stored, audited) and raise ErasureRefusedError
    when the rules say the data must still be kept."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_pending(request)
        performer = Performer.objects.select_for_update().get(pk=request.performer_id)
        blockers = rules.erasure_blockers(selectors.holdings(performer, now=now))
        if blockers:
            _refuse(
                request,
                codes=[str(b.code) for b in blockers],
                detail=" ".join(b.message for b in blockers),
                actor=actor,
                now=now,
            )
    if blockers:
        # Raised after the commit: the refusal is a decision on record, not a rolled-back attempt.
        raise _refusal(blockers)
    with transaction.atomic():
        request = _lock_pending(request)
        performer = Performer.objects.select_for_update().get(pk=request.performer_id)
        changes = _pseudonymise(performer, actor=actor, at=now)
        request.status = ErasureStatus.COMPLETED
        request.decided_at = now
        request.decided_by = actor.name
        request.changes = changes
        request.reason = ""  # the requester's own words may name them
        request.save(update_fields=["status", "decided_at", "decided_by", "changes", "reason"])
        audit_record(
            actor=actor,
            action=AuditAction.PERFORMER_ERASED,
            subject_type=AuditSubject.PERFORMER,
            subject_id=performer.public_id,
            performer_id=performer.public_id,
            data={"erasure_request": request.public_id, "changes": changes},
        )
    return request


def _pseudonymise(performer: Performer, *, actor: Actor, at: dt.datetime) -> dict[str, int]:
    """Each domain replaces the performer's personal data in its own tables, in the order of
    settings.PERFORMER_DATA_MODULES (parties first: representatives lose their authority before
    anything else changes), inside erasure_carry_out's transaction. Returns the rows changed per
    table."""
    erasure = selectors.erasure_of(performer, actor=actor, at=at)
    changed = RowsChanged()
    for module in performer_data_modules():
        changed.update(module.pseudonymise_performer(performer, erasure))
    return {model._meta.db_table: n for model, n in changed.items() if n}
