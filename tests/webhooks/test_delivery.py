"""Delivery to a real HTTP receiver: Standard Webhooks signatures, retries with backoff,
redelivery, disabling, and refusing private addresses."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import standardwebhooks
from django.utils import timezone

from registry.consent import services as consent_services
from registry.core.vocabulary.webhooks import DeliveryStatus, EndpointStatus
from registry.webhooks import services, tasks
from registry.webhooks.models import DeliveryAttempt, WebhookDelivery
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import grant_for


def _verify(endpoint, received) -> dict:
    """What a studio does: the standardwebhooks library checks the signature and timestamp."""
    return standardwebhooks.Webhook(endpoint.secret).verify(received.body, received.headers)


def _granted(studio, performer, agreement, capture, receiver=None):
    """A grant, with its activation events delivered (and forgotten by the receiver)."""
    with capture(execute=True):
        grant = grant_for(studio.studio, performer.performer, agreement)
    if receiver is not None:
        receiver.received.clear()
    return grant


def _revoke(studio, performer, agreement, django_capture_on_commit_callbacks):
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_revoke(grant=grant, reason="I changed my mind", acting_user=login_of(grant.performer))
    return grant


def test_event_arrives_signed_per_standard_webhooks(
    endpoint, receiver, studio, performer, agreement, django_capture_on_commit_callbacks
):
    grant = _revoke(studio, performer, agreement, django_capture_on_commit_callbacks)

    revoked = [r for r in receiver.received if json.loads(r.body)["type"] == "grant.revoked"]
    assert len(revoked) == 1
    payload = _verify(endpoint, revoked[0])
    assert payload["data"]["grant"] == grant.public_id
    assert payload["data"]["status"] == "revoked"
    assert payload["data"]["previous_status"] == "active"
    assert revoked[0].headers["webhook-id"] == payload["id"]
    assert revoked[0].headers["webhook-signature"].startswith("v1,")
    assert revoked[0].headers["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get(message__public_id=payload["id"])
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.succeeded, attempt.error) == (1, 204, True, "")
    assert attempt.latency_ms >= 0


def test_a_tampered_body_or_another_secret_fails_verification(
    endpoint, receiver, studio, performer, agreement, django_capture_on_commit_callbacks
):
    _revoke(studio, performer, agreement, django_capture_on_commit_callbacks)
    received = receiver.received[-1]

    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(endpoint.secret).verify(received.body + b" ", received.headers)
    other_secret = services.endpoint_rotate_secret(endpoint=endpoint, actor=SYSTEM)[1]
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(other_secret).verify(received.body, received.headers)


def test_nothing_is_sent_before_the_transaction_commits(
    endpoint, receiver, studio, performer, agreement, django_capture_on_commit_callbacks
):
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks, receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        consent_services.grant_revoke(grant=grant, reason="I changed my mind", acting_user=login_of(grant.performer))
    assert receiver.received == []  # the delivery waits for the commit
    assert callbacks  # ...and is scheduled on it
    assert WebhookDelivery.objects.filter(message__event_type="grant.revoked", status="pending").count() == 1


def test_retries_on_500_with_backoff_and_stops_on_2xx(
    endpoint, receiver, studio, performer, agreement, settings, django_capture_on_commit_callbacks
):
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks, receiver)
    receiver.responses.extend([500, 503])
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_revoke(grant=grant, reason="I changed my mind", acting_user=login_of(grant.performer))
    delivery = WebhookDelivery.objects.get(message__event_type="grant.revoked")
    delivery.refresh_from_db()
    first_wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert (delivery.status, delivery.automatic_attempts, len(receiver.received)) == ("pending", 1, 1)
    assert 5 <= first_wait < 6  # the first step of the schedule

    # Not due yet: the sweep sends nothing.
    assert tasks.retry_due() == 0
    assert len(receiver.received) == 1

    # Due: the second attempt fails again and waits longer (exponential backoff).
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert tasks.retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds() >= 300

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert tasks.retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.SUCCEEDED, None)
    assert tasks.retry_due() == 0  # stopped after the 2xx
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message, three attempts
    for received in receiver.received:
        _verify(endpoint, received)
    log = list(delivery.attempts.values_list("number", "status_code", "succeeded"))
    assert log == [(1, 500, False), (2, 503, False), (3, 204, True)]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # the success cleared it


def test_the_default_schedule_spans_three_days(settings):
    total = sum(settings.WEBHOOK_RETRY_SCHEDULE)
    assert dt.timedelta(days=3) <= dt.timedelta(seconds=total) < dt.timedelta(days=3, hours=1)
    assert sorted(settings.WEBHOOK_RETRY_SCHEDULE) == settings.WEBHOOK_RETRY_SCHEDULE


def test_a_delivery_is_claimed_once(
    endpoint, receiver, studio, performer, agreement, django_capture_on_commit_callbacks
):
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks, receiver)
    receiver.responses.extend([500])
    with django_capture_on_commit_callbacks(execute=False):
        consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))
    delivery = WebhookDelivery.objects.get(message__event_type="grant.revoked")
    receiver.received.clear()

    assert services.delivery_attempt(delivery_id=delivery.pk) is not None
    # The same task delivered twice (a broker redelivery) sends nothing more.
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.received) == 1


def test_exhausted_retries_fail_the_delivery_and_disable_the_endpoint_with_an_email(
    endpoint, receiver, studio, performer, agreement, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from registry.parties.services import studio_contact_add

    studio_contact_add(
        studio=studio.studio, name="Ops", email="ops@northlight.example", role="technical", actor=SYSTEM
    )
    studio_contact_add(studio=studio.studio, name="AP", email="ap@northlight.example", role="billing", actor=SYSTEM)
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    settings.WEBHOOK_DISABLE_AFTER = dt.timedelta(0)
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks, receiver)
    receiver.responses.extend([500] * 10)
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_suspend(grant=grant, reason="pause", acting_user=login_of(grant.performer))

    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.DISABLED
    assert "Every attempt failed" in endpoint.disabled_reason
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").count() == 0
    [mail] = mailoutbox
    assert mail.to == ["ops@northlight.example"]  # the technical contact
    assert endpoint.url in mail.body and "enabled" in mail.body
    # Nothing more is sent to a disabled endpoint.
    sent = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_resume(grant=grant, acting_user=login_of(grant.performer))
    assert len(receiver.received) == sent


def test_a_delivery_fails_after_the_last_step_of_the_schedule(
    endpoint, receiver, studio, performer, agreement, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks, receiver)
    receiver.responses.extend([500] * 10)
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))
    delivery = WebhookDelivery.objects.get(message__event_type="grant.revoked")
    while tasks.retry_due():
        pass
    delivery.refresh_from_db()
    assert (delivery.status, delivery.automatic_attempts) == (DeliveryStatus.FAILED, 3)
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.ENABLED  # failing for less than WEBHOOK_DISABLE_AFTER


def test_redelivery_sends_the_same_message_again(
    endpoint, receiver, studio, performer, agreement, django_capture_on_commit_callbacks
):
    grant = _revoke(studio, performer, agreement, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(message__event_type="grant.revoked")
    before = len(receiver.received)

    with django_capture_on_commit_callbacks(execute=True):
        response = studio.client.post(
            f"/api/v1/webhook-endpoints/{endpoint.public_id}/deliveries/{delivery.public_id}/redeliver"
        )

    assert response.status_code == 202, response.content
    assert response.json()["id"] == delivery.public_id
    assert len(receiver.received) == before + 1
    again = receiver.received[-1]
    assert _verify(endpoint, again)["data"]["grant"] == grant.public_id
    assert again.headers["webhook-id"] == delivery.message.public_id
    log = list(delivery.attempts.values_list("number", "trigger", "status_code"))
    assert log == [(1, "automatic", 204), (2, "manual", 204)]


def test_redelivery_to_a_disabled_endpoint_is_refused(
    endpoint, receiver, studio, performer, agreement, django_capture_on_commit_callbacks
):
    _revoke(studio, performer, agreement, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(message__event_type="grant.revoked")
    services.endpoint_update(endpoint=endpoint, enabled=False, actor=SYSTEM)
    attempts = DeliveryAttempt.objects.count()

    response = studio.client.post(
        f"/api/v1/webhook-endpoints/{endpoint.public_id}/deliveries/{delivery.public_id}/redeliver"
    )

    assert response.status_code == 409
    assert response.json()["type"].endswith("/problems/conflict")
    assert DeliveryAttempt.objects.count() == attempts


def test_an_address_allowed_at_registration_but_not_when_sending_is_refused(
    endpoint, receiver, studio, performer, agreement, settings, django_capture_on_commit_callbacks
):
    grant = _granted(studio, performer, agreement, django_capture_on_commit_callbacks, receiver)
    settings.WEBHOOK_ALLOWED_NETWORKS = []  # as in production
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))

    assert receiver.received == []  # never connected
    attempt = DeliveryAttempt.objects.get(delivery__message__event_type="grant.revoked")
    assert attempt.status_code is None
    assert attempt.error.startswith("refused: ")
    assert "private or reserved" in attempt.error


def test_no_message_is_stored_for_a_studio_without_endpoints(
    studio, other_studio, other_performer, agreement, django_capture_on_commit_callbacks
):
    from registry.webhooks.models import WebhookMessage

    grant = grant_for(other_studio.studio, other_performer.performer, agreement)
    consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))
    assert WebhookMessage.objects.count() == 0


def test_an_endpoint_receives_only_the_events_it_subscribed_to(
    studio, receiver, allow_loopback, performer, agreement, django_capture_on_commit_callbacks
):
    services.endpoint_create(studio=studio.studio, url=receiver.url, event_types=["grant.revoked"], actor=SYSTEM)
    grant = grant_for(studio.studio, performer.performer, agreement)  # activated, answered: not subscribed
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["grant.revoked"]
