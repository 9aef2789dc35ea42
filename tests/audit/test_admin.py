"""The audit trail in the Django admin: visible, never editable."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.audit.services import audit_record
from registry.core.actors import Actor


@pytest.fixture
def event(staff_actor: Actor) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=staff_actor,
            action="consent_request.created",
            subject_type="consent_request",
            subject_id="req_1",
        )


@pytest.mark.django_db
def test_changelist_shows_events(admin_client: Client, event: AuditEvent) -> None:
    response = admin_client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 200
    assert "consent_request: req_1" in response.text
    assert "staff: Sam Staff (42)" in response.text


@pytest.mark.django_db
def test_search_by_subject_id(admin_client: Client, event: AuditEvent) -> None:
    response = admin_client.get(reverse("admin:audit_auditevent_changelist"), {"q": "req_1"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [event]


@pytest.mark.django_db
def test_detail_page_is_read_only(admin_client: Client, event: AuditEvent) -> None:
    url = reverse("admin:audit_auditevent_change", args=[event.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"action": "thing.undone"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert posted.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "consent_request.created"


@pytest.mark.django_db
def test_add_and_delete_are_forbidden(admin_client: Client, event: AuditEvent) -> None:
    add = admin_client.get(reverse("admin:audit_auditevent_add"))
    delete = admin_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})

    assert (add.status_code, delete.status_code) == (403, 403)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
