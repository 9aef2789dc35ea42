"""Writes for cases: open, assign, investigate, resolve. Each step is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.cases.models import Case
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, RuleViolationError, StateConflictError
from registry.core.vocabulary.cases import CaseStatus
from registry.webhooks import events as webhook_events


def _audit(case: Case, actor: Actor, action: AuditAction, data: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type=AuditSubject.CASE,
        subject_id=case.public_id,
        performer_id=case.performer.public_id if case.performer_id else None,
        studio_id=case.studio.public_id,
        data={"kind": case.kind, **data},
    )


def case_open(*, actor: Actor, now: dt.datetime | None = None, **fields) -> Case:
    """Open a case; call inside the transaction of whatever revealed it."""
    case = Case.objects.create(opened_at=now or timezone.now(), **fields)
    _audit(
        case,
        actor,
        AuditAction.CASE_OPENED,
        {
            "reason_code": case.reason_code,
            "summary": case.summary,
            "usage_line": case.usage_line_id,
            "production_number": case.production_number,
        },
    )
    webhook_events.case_opened(case)
    return case


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("studio", "performer").get(pk=case.pk)


def case_assign(*, case: Case, assignee, actor: Actor) -> Case:
    with transaction.atomic():
        case = _lock(case)
        if case.status == CaseStatus.RESOLVED:
            raise StateConflictError(f"Case {case.public_id} is resolved.")
        case.assigned_to = assignee
        case.save(update_fields=["assigned_to"])
        _audit(case, actor, AuditAction.CASE_ASSIGNED, {"assignee": assignee.get_username() if assignee else None})
    return case


def case_investigate(*, case: Case, actor: Actor, note: str = "") -> Case:
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.OPEN:
            raise StateConflictError(
                f"Case {case.public_id} is {case.status}; only an open case moves to investigating."
            )
        case.status = CaseStatus.INVESTIGATING
        if note:
            case.notes = (case.notes + "\n\n" + note).strip()
        case.save(update_fields=["status", "notes"])
        _audit(case, actor, AuditAction.CASE_INVESTIGATING, {"note": note})
    return case


def case_resolve(*, case: Case, outcome: str, notes: str, actor: Actor, now: dt.datetime | None = None) -> Case:
    if not outcome.strip():
        raise RuleViolationError(
            "Give the outcome.", problems=[FieldProblem("outcome", "required", "State the outcome.")]
        )
    with transaction.atomic():
        case = _lock(case)
        if case.status == CaseStatus.RESOLVED:
            raise StateConflictError(f"Case {case.public_id} is already resolved.")
        case.status = CaseStatus.RESOLVED
        case.outcome = outcome.strip()[:200]
        case.notes = (case.notes + "\n\n" + notes).strip() if notes else case.notes
        case.resolved_at = now or timezone.now()
        case.save(update_fields=["status", "outcome", "notes", "resolved_at"])
        _audit(case, actor, AuditAction.CASE_RESOLVED, {"outcome": case.outcome, "notes": notes})
    return case
