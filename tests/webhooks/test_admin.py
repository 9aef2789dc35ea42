"""Staff redeliver from the admin; endpoints and the log are read-only there."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.webhooks.models import WebhookDelivery
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(endpoint, studio, performer, agreement, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grant_for(studio.studio, performer.performer, agreement)
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id").first()


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_union_admin_redelivers_from_the_admin(delivered, staff, receiver, django_capture_on_commit_callbacks):
    before = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin(staff.user).post(
            "/admin/webhooks/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivered.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 deliveries queued for redelivery." in response.content.decode()
    assert len(receiver.received) == before + 1
    assert list(delivered.attempts.values_list("trigger", flat=True)) == ["automatic", "manual"]


def test_an_analyst_sees_the_log_but_cannot_redeliver(delivered, analyst, receiver):
    client = _admin(analyst.user)
    page = client.get(f"/admin/webhooks/webhookdelivery/{delivered.pk}/change/")
    assert page.status_code == 200
    assert delivered.message.public_id in page.content.decode()
    before = len(receiver.received)
    response = client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [delivered.pk]},
        follow=True,
    )
    # Not offered to an analyst at all; posted anyway, Django does not run it and nothing is sent.
    assert 'value="redeliver"' not in client.get("/admin/webhooks/webhookdelivery/").content.decode()
    assert response.status_code == 200
    assert len(receiver.received) == before


def test_the_endpoint_page_never_shows_the_secret(endpoint, staff):
    page = _admin(staff.user).get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.url in page
    assert endpoint.secret not in page
    assert "secret_encrypted" not in page
