"""Service mode: the event is committed in PostgreSQL, enqueued on Redis after the commit, and a
real Celery worker process signs and sends it to the receiver; the beat sweep's retry goes the
same way."""

from __future__ import annotations

import json
import uuid

import pytest
import standardwebhooks
from django.utils import timezone

from config.celery import app
from registry.consent import services as consent_services
from registry.webhooks import tasks
from registry.webhooks.models import WebhookDelivery
from tests.conftest import login_of
from tests.consent.factories import grant_for
from tests.integration.billing_stack import Worker, wait_for

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(redis_url, require_postgres, tmp_path):
    queue = f"it-webhooks-{uuid.uuid4().hex[:10]}"
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = redis_url, False, queue
    # The worker may send to the test's receiver on loopback, as the tests in this process may.
    proc = Worker(
        "webhooks",
        queues=[queue],
        default_queue=queue,
        redis_url=redis_url,
        log_dir=tmp_path,
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        WEBHOOK_REQUIRE_HTTPS="false",
    ).wait_ready()
    try:
        yield proc
    finally:
        proc.stop()
        app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = saved
        print(proc.output())  # shown by pytest when the test fails


def test_a_real_worker_signs_sends_and_retries(worker, endpoint, receiver, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)  # activated + answered, sent by the worker
    wait_for(lambda: len(receiver.received) >= 2, timeout=30, what="the worker's first deliveries")
    receiver.received.clear()
    receiver.responses.append(500)

    consent_services.grant_revoke(grant=grant, reason="I changed my mind", acting_user=login_of(grant.performer))

    delivery = WebhookDelivery.objects.get(message__event_type="grant.revoked")
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, automatic_attempts=1).exists(),
        timeout=30,
        what="the first (failing) attempt",
    )
    # The retry is due in 5 s; the beat sweep (run here) hands it to the worker.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    tasks.retry_due.delay()
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="succeeded").exists(),
        timeout=30,
        what="the retry to succeed",
    )
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.message.public_id] * 2
    for received in receiver.received:
        payload = standardwebhooks.Webhook(endpoint.secret).verify(received.body, received.headers)
        assert payload["type"] == "grant.revoked"
    assert json.loads(receiver.received[0].body)["data"]["grant"] == grant.public_id
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [500, 204]
