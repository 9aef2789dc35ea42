"""`manage.py verify_audit_log` against an intact and a tampered table."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from registry.audit.chain import entry_hash
from registry.audit.models import AuditEvent
from registry.audit.services import audit_record
from registry.audit.testing import append_only_triggers_disabled
from registry.core.actors import Actor

TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)


def record_three(actor: Actor) -> list[AuditEvent]:
    events = []
    for n in range(3):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=actor,
                    action="consent_check.recorded",
                    subject_type="performer",
                    subject_id=f"thg_{n}",
                    data={"n": n},
                )
            )
    return events


def run_command() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit_log", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_intact_chain_is_reported_and_exits_zero(performer_actor: Actor) -> None:
    record_three(performer_actor)

    out, err = run_command()

    assert out == "Audit chain intact: 3 entries verified.\n"
    assert err == ""


@pytest.mark.django_db
def test_empty_log_is_intact() -> None:
    out, _ = run_command()

    assert out == "Audit chain intact: 0 entries verified.\n"


@pytest.mark.django_db
def test_row_edited_behind_the_triggers_back_is_reported_and_exits_one(
    performer_actor: Actor,
) -> None:
    # given the middle event's data edited by raw SQL with the triggers stepped around
    _, middle, _ = record_three(performer_actor)
    with append_only_triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET data = %s WHERE id = %s", ['{"n": 99}', middle.pk])
    tampered = AuditEvent.objects.get(pk=middle.pk)
    assert tampered.data == {"n": 99}

    # when
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit_log", stdout=out, stderr=err)

    # then
    assert exit_info.value.code == 1
    assert out.getvalue() == ""
    computed = entry_hash(tampered.chain_content(), tampered.prev_hash)
    assert err.getvalue() == (
        f"Audit chain BROKEN at entry #{middle.pk}: content_hash {middle.content_hash} does not "
        f"match the content, which hashes to {computed} (the entry was edited)\n"
    )


@pytest.mark.django_db
def test_row_deleted_behind_the_triggers_back_is_reported_at_the_next_entry(
    performer_actor: Actor,
) -> None:
    first, middle, last = record_three(performer_actor)
    with append_only_triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [middle.pk])

    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit_log", stdout=StringIO(), stderr=err)

    assert exit_info.value.code == 1
    assert err.getvalue() == (
        f"Audit chain BROKEN at entry #{last.pk}: prev_hash {last.prev_hash} does not match "
        f"the previous entry's hash {first.content_hash} "
        "(an entry was deleted, inserted or reordered)\n"
    )
