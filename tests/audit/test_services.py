"""audit_record: appends in the caller's transaction and keeps the chain linked."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connections, transaction

from registry.audit.chain import GENESIS_HASH, entry_hash
from registry.audit.models import AuditEvent
from registry.audit.selectors import verify_audit_chain
from registry.audit.services import audit_record
from registry.core.actors import Actor, ActorKind


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_raises(performer_actor: Actor) -> None:
    with pytest.raises(RuntimeError, match=r"must be called inside transaction\.atomic\(\)"):
        audit_record(
            actor=performer_actor, action="consent_check.recorded", subject_type="performer", subject_id="thg_1"
        )

    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_first_record_chains_from_genesis_and_stores_every_field(staff_actor: Actor) -> None:
    with transaction.atomic():
        event = audit_record(
            actor=staff_actor,
            action="consent_request.created",
            subject_type="consent_request",
            subject_id="req_1",
            performer_id="prf_1",
            studio_id="std_1",
            data={"fee": Decimal("3738.00"), "starts": dt.date(2025, 3, 1)},
        )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.prev_hash == GENESIS_HASH
    assert stored.content_hash == entry_hash(stored.chain_content(), GENESIS_HASH)
    assert (stored.actor_kind, stored.actor_id, stored.actor_name) == ("staff", "42", "Sam Staff")
    assert (stored.action, stored.subject_type, stored.subject_id) == (
        "consent_request.created",
        "consent_request",
        "req_1",
    )
    assert (stored.performer_id, stored.studio_id) == ("prf_1", "std_1")
    assert stored.data == {"fee": "3738.00", "starts": "2025-03-01"}
    assert stored.occurred_at == event.occurred_at


@pytest.mark.django_db
def test_a_sequence_of_records_verifies(performer_actor: Actor) -> None:
    # given five events, each in its own transaction
    events = []
    for n in range(5):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=performer_actor,
                    action="consent_check.recorded",
                    subject_type="performer",
                    subject_id=f"thg_{n}",
                    data={"n": n, "ref": uuid.uuid4(), "name": "Zoë"},
                )
            )

    # when
    report = verify_audit_chain()

    # then
    assert report.ok is True
    assert report.entries_checked == 5
    assert report.last_hash == events[-1].content_hash
    assert [e.prev_hash for e in events[1:]] == [e.content_hash for e in events[:-1]]


@pytest.mark.django_db
def test_the_audit_row_rolls_back_with_the_change_it_records(performer_actor: Actor) -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        audit_record(
            actor=performer_actor, action="consent_check.recorded", subject_type="performer", subject_id="thg_1"
        )
        raise Refused

    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_audit_record_refuses_float_data_and_writes_nothing(performer_actor: Actor) -> None:
    with pytest.raises(TypeError, match=r"data\.share is a float"), transaction.atomic():
        audit_record(
            actor=performer_actor,
            action="consent_check.recorded",
            subject_type="performer",
            subject_id="thg_1",
            data={"share": 0.25},
        )

    assert AuditEvent.objects.count() == 0


WRITERS = 8
EVENTS_PER_WRITER = 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_fork_the_chain(require_postgres: None) -> None:
    # given 8 threads, each with its own connection, released at the same moment
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        actor = Actor(kind=ActorKind.SYSTEM, id=f"writer-{writer}", name=f"Writer {writer}")
        try:
            start.wait(timeout=30)
            for n in range(EVENTS_PER_WRITER):
                with transaction.atomic():
                    audit_record(
                        actor=actor,
                        action="consent_check.recorded",
                        subject_type="performer",
                        subject_id=str(writer),
                        data={"n": n},
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then
    assert errors == []
    assert AuditEvent.objects.count() == WRITERS * EVENTS_PER_WRITER
    report = verify_audit_chain()
    assert (report.ok, report.entries_checked) == (True, WRITERS * EVENTS_PER_WRITER)
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == WRITERS * EVENTS_PER_WRITER
    for writer in range(WRITERS):
        assert AuditEvent.objects.filter(subject_type="performer", subject_id=str(writer)).count() == EVENTS_PER_WRITER
