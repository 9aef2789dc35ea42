"""The audit chain check behind a button: its result, and the first broken entry when broken."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from registry.audit.models import AuditEvent
from registry.audit.services import audit_record
from registry.audit.testing import append_only_triggers_disabled
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

URL = "/admin/console/audit/verify/"


def record(n: int) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=SYSTEM, action="consent_check.recorded", subject_type="performer", subject_id=f"t{i}"
                )
            )
    return events


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_the_page_offers_the_button_without_running_it(console_clients, who):
    response = console_clients[who].get(URL)

    assert response.status_code == 200
    assert "Run the chain verification" in response.text
    assert response.context["report"] is None


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_an_intact_chain_is_reported(console_clients, who):
    record(3)

    response = console_clients[who].post(URL)

    assert response.status_code == 200
    assert "Audit chain intact: 3 entries verified." in response.text


def test_a_tampered_entry_is_named(console_clients):
    events = record(3)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with append_only_triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET subject_id = %s WHERE id = %s", ["forged", events[1].pk])

    response = console_clients["admin"].post(URL)

    assert response.status_code == 200
    assert f"Audit chain BROKEN at entry #{events[1].pk}" in response.text
    assert f'href="/admin/audit/auditevent/{events[1].pk}/change/"' in response.text
    assert "consent_check.recorded on performer forged" in response.text


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_cannot_run_it(console_clients, who):
    response = console_clients[who].post(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_audit_log_links_to_the_check_and_filters_by_subject(console_clients):
    record(2)

    listing = console_clients["analyst"].get("/admin/audit/auditevent/", {"subject_type": "performer", "q": "t1"})

    assert listing.status_code == 200
    assert 'href="/admin/console/audit/verify/"' in listing.text
    assert [e.subject_id for e in listing.context["cl"].result_list] == ["t1"]
