"""Reading the audit trail by subject and by performer."""

from __future__ import annotations

import pytest
from django.db import transaction

from registry.audit.models import AuditEvent
from registry.audit.selectors import audit_events_for_performer, audit_events_for_subject
from registry.audit.services import audit_record
from registry.core.actors import Actor


def record(actor: Actor, subject_id: str, performer_id: str | None = None) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action="consent_request.created",
            subject_type="consent_request",
            subject_id=subject_id,
            performer_id=performer_id,
        )


@pytest.mark.django_db
def test_events_for_subject_are_that_subjects_history_oldest_first(staff_actor: Actor) -> None:
    first = record(staff_actor, "req_1")
    record(staff_actor, "req_2")
    second = record(staff_actor, "req_1")

    events = list(audit_events_for_subject("consent_request", "req_1"))

    assert events == [first, second]
    assert list(audit_events_for_subject("consent_grant", "req_1")) == []


@pytest.mark.django_db
def test_events_for_performer_are_only_theirs(staff_actor: Actor) -> None:
    mine = record(staff_actor, "req_1", performer_id="prf_alice")
    record(staff_actor, "req_2", performer_id="prf_bob")
    record(staff_actor, "req_3")

    assert list(audit_events_for_performer("prf_alice")) == [mine]
