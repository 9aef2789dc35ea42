"""The database refuses to change or delete audit rows, whoever asks."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from registry.audit.models import AuditEvent
from registry.audit.services import audit_record
from registry.audit.testing import append_only_triggers_disabled
from registry.core.actors import Actor

APPEND_ONLY = "audit_event is append-only"
TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)


@pytest.fixture
def event(performer_actor: Actor) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=performer_actor,
            action="consent_check.recorded",
            subject_type="performer",
            subject_id="thg_1",
            data={"n": 1},
        )


def assert_unchanged(event: AuditEvent) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.data, stored.content_hash) == (
        event.action,
        event.data,
        event.content_hash,
    )


@pytest.mark.django_db
def test_orm_save_of_an_existing_event_is_refused(event: AuditEvent) -> None:
    edited = AuditEvent.objects.get(pk=event.pk)
    edited.action = "thing.undone"

    # savepoint: on PostgreSQL a failed statement aborts the enclosing transaction
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        edited.save()

    assert_unchanged(event)


@pytest.mark.django_db
def test_orm_queryset_update_is_refused(event: AuditEvent) -> None:
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="thing.undone")

    assert_unchanged(event)


@pytest.mark.django_db
def test_orm_delete_is_refused(event: AuditEvent) -> None:
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        AuditEvent.objects.get(pk=event.pk).delete()
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert_unchanged(event)


@pytest.mark.django_db
def test_raw_sql_update_is_refused(event: AuditEvent) -> None:
    with (
        pytest.raises(IntegrityError, match=APPEND_ONLY),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["thing.undone", event.pk])

    assert_unchanged(event)


@pytest.mark.django_db
def test_raw_sql_delete_is_refused(event: AuditEvent) -> None:
    with (
        pytest.raises(IntegrityError, match=APPEND_ONLY),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])

    assert_unchanged(event)


@pytest.mark.postgres
@pytest.mark.django_db
def test_truncate_is_refused_while_rows_exist(require_postgres: None, event: AuditEvent) -> None:
    with (
        pytest.raises(IntegrityError, match=APPEND_ONLY),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {TABLE}")

    assert_unchanged(event)


@pytest.mark.django_db
def test_triggers_are_back_after_the_test_helper_steps_around_them(event: AuditEvent) -> None:
    # given the helper used for tamper tests
    with append_only_triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["thing.edited", event.pk])

    # when an update is tried afterwards, then it is refused again
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="thing.undone")
    assert AuditEvent.objects.get(pk=event.pk).action == "thing.edited"
