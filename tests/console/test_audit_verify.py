"""The audit chain check: a button asks a worker to walk the log in slices, the page follows the
check, and names the first broken entry when the chain is broken."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction
from registry.audit.models import AuditEvent
from registry.audit.services import audit_record
from registry.audit.testing import append_only_triggers_disabled
from registry.console import services
from registry.console.models import ChainCheck
from registry.core.vocabulary.console import ChainCheckStatus
from registry.outbox.models import OutboxMessage
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


def run_checks(now: dt.datetime | None = None) -> None:
    """What the workers do with the checks the outbox holds."""
    for args in OutboxMessage.objects.filter(task=services.CHECK_AUDIT_CHAIN_TASK).values_list("args", flat=True):
        services.chain_check_run(check_id=args[0], now=now)


def tamper(event: AuditEvent) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with append_only_triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET subject_id = %s WHERE id = %s", ["forged", event.pk])


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_the_page_offers_the_button_without_running_it(console_clients, who):
    response = console_clients[who].get(URL)

    assert response.status_code == 200
    assert "Run the chain verification" in response.text
    assert response.context["check"] is None
    assert not ChainCheck.objects.exists()


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_the_button_asks_a_worker_and_the_page_follows_it(console_clients, who):
    events = record(3)

    asked = console_clients[who].post(URL)

    assert (asked.status_code, asked["Location"]) == (303, URL)
    check = ChainCheck.objects.get()
    assert (check.status, check.upto) == (ChainCheckStatus.PENDING, events[-1].pk)
    waiting = console_clients[who].get(URL)
    assert 'http-equiv="refresh"' in waiting.text and "Waiting for a worker" in waiting.text
    assert "Run the chain verification" not in waiting.text

    run_checks()

    done = console_clients[who].get(URL)
    assert "Audit chain intact: 3 entries verified" in done.text
    assert 'http-equiv="refresh"' not in done.text
    assert ChainCheck.objects.get().checked_hash in done.text


def test_asking_again_while_a_check_is_under_way_shows_that_check(console_clients):
    record(2)
    console_clients["admin"].post(URL)
    console_clients["analyst"].post(URL)

    assert ChainCheck.objects.count() == 1


def test_a_tampered_entry_is_named(console_clients):
    events = record(3)
    tamper(events[1])

    console_clients["admin"].post(URL)
    run_checks()
    response = console_clients["admin"].get(URL)

    assert f"Audit chain BROKEN at entry #{events[1].pk}" in response.text
    assert f'href="/admin/audit/auditevent/{events[1].pk}/change/"' in response.text
    assert "consent_check.recorded on performer forged" in response.text
    assert "1 entry verified before it" in response.text


def test_the_log_is_walked_in_slices_that_record_where_they_stopped(staff, monkeypatch):
    monkeypatch.setattr(services, "CHAIN_CHECK_SLICE", 2)
    events = record(5)
    tamper(events[3])
    check = services.chain_check_request(user=staff.user, actor=SYSTEM)
    walked = []
    original = services.audit_selectors.chain_entries

    def spy(**kwargs):
        walked.append(kwargs["after"])
        return original(**kwargs)

    monkeypatch.setattr(services.audit_selectors, "chain_entries", spy)

    check = services.chain_check_run(check_id=check.pk)

    # Slices from the start (the first two entries), then after the second (the third and the
    # fourth, which is broken).
    assert walked == [0, events[1].pk]
    assert (check.intact, check.broken_seq, check.entries_checked) == (False, events[3].pk, 3)


def test_a_walker_killed_half_way_is_followed_by_one_that_goes_on(staff, monkeypatch):
    monkeypatch.setattr(services, "CHAIN_CHECK_SLICE", 2)
    events = record(5)
    check = services.chain_check_request(user=staff.user, actor=SYSTEM)
    started = timezone.now()
    # A walker verified the first two entries, then its worker died.
    ChainCheck.objects.filter(pk=check.pk).update(
        status=ChainCheckStatus.RUNNING,
        heartbeat_at=started,
        checked_through=events[1].pk,
        checked_hash=events[1].content_hash,
        entries_checked=2,
    )
    assert services.chain_check_run(check_id=check.pk, now=started + dt.timedelta(seconds=30)).status == "running"

    later = started + services.CHAIN_CHECK_STALE + dt.timedelta(seconds=1)
    assert services.chain_checks_sweep(now=later) == 1
    check = services.chain_check_run(check_id=check.pk, now=later)

    # The check covers the entries up to the newest one when it was asked for (its own
    # request's event included), and the second walker did not walk the first two again.
    assert (check.status, check.intact) == (ChainCheckStatus.DONE, True)
    assert check.entries_checked == check.upto - events[0].pk + 1
    assert check.checked_hash == AuditEvent.objects.get(pk=check.upto).content_hash


def test_each_check_is_in_the_audit_trail(console_clients):
    record(2)
    console_clients["admin"].post(URL)
    run_checks()
    check = ChainCheck.objects.get()

    actions = list(AuditEvent.objects.filter(subject_id=check.public_id).order_by("id").values_list("action", "data"))
    assert [a for a, _ in actions] == [AuditAction.CHAIN_CHECK_REQUESTED, AuditAction.CHAIN_CHECK_FINISHED]
    assert actions[1][1]["intact"] is True and actions[1][1]["last_hash"] == check.checked_hash


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_cannot_run_it(console_clients, who):
    response = console_clients[who].post(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not ChainCheck.objects.exists()


def test_the_audit_log_links_to_the_check_and_filters_by_subject(console_clients):
    record(2)

    listing = console_clients["analyst"].get("/admin/audit/auditevent/", {"subject_type": "performer", "q": "t1"})

    assert listing.status_code == 200
    assert 'href="/admin/console/audit/verify/"' in listing.text
    assert [e.subject_id for e in listing.context["cl"].result_list] == ["t1"]
