"""The outbox: rows written in the caller's transaction, relayed after it commits."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import redis
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from registry.outbox import services as outbox
from registry.outbox.models import OutboxMessage
from tests.integration.billing_stack import RowLock
from tests.integration.fault_stack import broker, free_port

RAN: list[list] = []


@shared_task(name="tests.outbox.record")
def record(*args):
    if args and args[0] == "fail":
        raise OSError("mail server down")
    RAN.append(list(args))


@pytest.fixture(autouse=True)
def _ran():
    RAN.clear()
    yield
    RAN.clear()


def test_a_rolled_back_change_owes_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(record, 1)
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists()
    assert RAN == []


def test_embedded_mode_runs_the_task_after_commit_and_marks_it_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(record, 7, "x")
        assert RAN == []  # not before the commit
    assert RAN == [[7, "x"]]
    row = OutboxMessage.objects.get()
    assert (row.task, row.args, row.attempts) == ("tests.outbox.record", [7, "x"], 1)
    assert row.sent_at is not None


def test_a_dedupe_key_keeps_one_unsent_row_and_allows_a_new_one_once_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(3):
            outbox.enqueue(record, 1, dedupe_key="list:1")
    assert RAN == [[1]]
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(record, 1, dedupe_key="list:1")
    assert RAN == [[1], [1]]
    assert OutboxMessage.objects.filter(dedupe_key="list:1").count() == 2


def test_a_failing_task_in_embedded_mode_stays_owed(db, django_capture_on_commit_callbacks):
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(record, "fail")
    row = OutboxMessage.objects.get()
    assert row.sent_at is None and "mail server down" in row.last_error


@pytest.mark.redis
def test_a_dead_broker_leaves_rows_unsent_and_the_next_relay_publishes_them(db, redis_url):
    from config.celery import app

    queue = f"test-outbox-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with broker(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
            outbox.enqueue(record, 1)  # (its on_commit relay waits for the test's transaction)
            assert outbox.relay() == 0
        row = OutboxMessage.objects.get()
        assert (row.sent_at, row.attempts) == (None, 1)
        assert "refused" in row.last_error.lower()

        with broker(redis_url):
            assert outbox.relay() == 1
        row.refresh_from_db()
        assert row.sent_at is not None and row.last_error == ""
        assert redis.Redis.from_url(redis_url).llen(queue) == 1
    finally:
        app.conf.task_default_queue = saved
        redis.Redis.from_url(redis_url).delete(queue, f"_kombu.binding.{queue}")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_row_another_relay_holds_is_skipped_not_published_twice(require_postgres, redis_url):
    from config.celery import app

    queue = f"test-outbox-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with broker(f"redis://127.0.0.1:{free_port()}/0"):
            outbox.enqueue(record, 1)
        row = OutboxMessage.objects.get()
        other = RowLock(f"SELECT id FROM {OutboxMessage._meta.db_table} WHERE id = %s FOR UPDATE", [row.pk])
        with broker(redis_url):
            assert outbox.relay() == 0  # SKIP LOCKED: neither waits nor publishes
            other.release()
            assert outbox.relay() == 1
            assert outbox.relay() == 0
        assert redis.Redis.from_url(redis_url).llen(queue) == 1
    finally:
        app.conf.task_default_queue = saved
        redis.Redis.from_url(redis_url).delete(queue, f"_kombu.binding.{queue}")


def test_prune_deletes_old_sent_rows_only(db):
    now = timezone.now()
    old_sent = OutboxMessage.objects.create(task="t", sent_at=now - dt.timedelta(days=8))
    recent = OutboxMessage.objects.create(task="t", sent_at=now - dt.timedelta(days=1))
    unsent = OutboxMessage.objects.create(task="t", created_at=now - dt.timedelta(days=30))
    assert outbox.prune(now=now) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, unsent.pk}
    assert not OutboxMessage.objects.filter(pk=old_sent.pk).exists()
