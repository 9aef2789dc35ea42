"""What each event says: one function per emit point, called in the transaction of the change.

The services that change things call these with the objects at hand (one line each); the
payload shapes live here, next to each other, so the documented events stay consistent.
"""

from __future__ import annotations

from registry.core.vocabulary.cases import CaseKind
from registry.core.vocabulary.consent import GrantStatus
from registry.core.vocabulary.webhooks import EventType
from registry.webhooks.services import webhook_emit, webhook_emit_each

# Grant status changes as events: (from, to) -> event type. Supersession is announced as the
# new version's `grant.amended`; a grant's activation as `grant.activated`.
_GRANT_EVENTS = {
    GrantStatus.REVOKED: EventType.GRANT_REVOKED,
    GrantStatus.SUSPENDED: EventType.GRANT_SUSPENDED,
    GrantStatus.EXPIRED: EventType.GRANT_EXPIRED,
}


def _grant_data(grant) -> dict:
    return {
        "grant": grant.public_id,
        "lineage": grant.lineage_id,
        "version": grant.version,
        "status": grant.status,
        "performer": grant.performer.public_id,
        "use": grant.use,
        "project": {
            "kind": grant.project_kind,
            "title": grant.project_title,
            "production_number": grant.production_number,
        },
        "term_start": grant.term_start.isoformat(),
        "term_end": grant.term_end.isoformat(),
    }


def grant_status_changed(grant, *, from_status: str, to_status: str) -> None:
    """A grant's status changed (from "" when a version is created): its studio is told."""
    if from_status == "" and to_status == GrantStatus.ACTIVE:
        event = EventType.GRANT_AMENDED if grant.supersedes_id else EventType.GRANT_ACTIVATED
    elif from_status == GrantStatus.SUSPENDED and to_status == GrantStatus.ACTIVE:
        event = EventType.GRANT_RESUMED
    else:
        event = _GRANT_EVENTS.get(to_status)
    if event is None:
        return
    data = _grant_data(grant)
    data["previous_status"] = from_status or None
    if event == EventType.GRANT_AMENDED:
        data["supersedes"] = grant.supersedes.public_id
    webhook_emit(event, studio=grant.studio_id, data=data)


def consent_request_answered(request, grant=None) -> None:
    webhook_emit(
        EventType.CONSENT_REQUEST_ANSWERED,
        studio=request.studio_id,
        data={
            "request": request.public_id,
            "status": request.status,
            "performer": request.performer.public_id,
            "answered_at": request.answered_at.isoformat() if request.answered_at else None,
            "grant": grant.public_id if grant else None,
            "decline_reason": request.decline_reason or None,
        },
    )


def token_reissued(grant, *, old_kid: str, new_kid: str, reason: str = "signing_key_compromised") -> None:
    webhook_emit(
        EventType.TOKEN_REISSUED,
        studio=grant.studio_id,
        data={"grant": grant.public_id, "reason": reason, "old_kid": old_kid, "new_kid": new_kid},
    )


def _strike_data(strike) -> dict:
    return {
        "strike": strike.public_id,
        "agreement": strike.agreement.code,
        "reason": strike.reason,
        "starts_at": strike.starts_at.isoformat(),
        "lifted_at": strike.lifted_at.isoformat() if strike.lifted_at else None,
    }


def strike_declared(strike) -> None:
    webhook_emit(EventType.STRIKE_DECLARED, studio=list(strike.studios.all()), data=_strike_data(strike))


def strike_lifted(strike) -> None:
    webhook_emit(EventType.STRIKE_LIFTED, studio=list(strike.studios.all()), data=_strike_data(strike))


def strike_grants_changed(strike, *, to_status: str, grants_by_studio: dict[int, list[str]]) -> None:
    """A batch of a strike's job: each studio is told which of its grants it suspended (or, on
    the lift, restored), in one event, rather than one event per grant."""
    event = (
        EventType.STRIKE_GRANTS_SUSPENDED if to_status == GrantStatus.SUSPENDED else EventType.STRIKE_GRANTS_RESTORED
    )
    webhook_emit_each(
        event,
        data_by_studio={
            studio_id: {**_strike_data(strike), "status": to_status, "grants": grants, "count": len(grants)}
            for studio_id, grants in grants_by_studio.items()
        },
    )


def usage_report_processed(report) -> None:
    webhook_emit(
        EventType.USAGE_REPORT_PROCESSED,
        studio=report.studio_id,
        data={
            "usage_report": report.public_id,
            "report_id": report.report_ref,
            "lines": report.line_count,
            "accepted": report.accepted_count,
            "violations": report.violation_count,
        },
    )


def usage_lines_unrateable(studio, lines: list[dict], count: int) -> None:
    """A billing run could not price these accepted lines (a rate or rule the union has not
    entered yet): they stay unbilled, marked, until a run after the fix prices them."""
    webhook_emit(
        EventType.USAGE_LINES_UNRATEABLE,
        studio=studio.pk,
        data={"count": count, "lines": lines, "more": max(count - len(lines), 0)},
    )


def case_opened(case) -> None:
    """Only violations are announced: notices are the union's business with the studio."""
    if case.kind != CaseKind.VIOLATION:
        return
    webhook_emit(
        EventType.VIOLATION_OPENED,
        studio=case.studio_id,
        data={
            "case": case.public_id,
            "reason_code": case.reason_code,
            "summary": case.summary,
            "performer": case.performer.public_id if case.performer_id else None,
            "production_number": case.production_number or None,
        },
    )


def _invoice_data(invoice) -> dict:
    return {
        "invoice": invoice.public_id,
        "document_type": invoice.document_type,
        "number": invoice.number,
        "period": invoice.period.isoformat()[:7],
        "total": str(invoice.total),
        "currency": invoice.currency,
        "status": invoice.status,
    }


def invoice_finalized(invoice) -> None:
    webhook_emit(EventType.INVOICE_FINALIZED, studio=invoice.studio_id, data=_invoice_data(invoice))


def invoice_paid(invoice) -> None:
    webhook_emit(EventType.INVOICE_PAID, studio=invoice.studio_id, data=_invoice_data(invoice))


def invoice_overdue(invoice, *, days_overdue: int, balance, due_date) -> None:
    """A document's balance is past its due date: sent the day after it falls due and on the
    agreement's reminder schedule."""
    data = _invoice_data(invoice)
    data.update(
        {"due_date": due_date.isoformat(), "days_overdue": days_overdue, "balance": str(balance)},
    )
    webhook_emit(EventType.INVOICE_OVERDUE, studio=invoice.studio_id, data=data)
