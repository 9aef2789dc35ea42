"""The parties' admin changes studio status and representatives' authority only through the
services: each change is audited, bad input is a form error, and records are not edited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.core.vocabulary.parties import StudioStatus
from registry.parties.models import Representative, Studio

pytestmark = pytest.mark.django_db

STUDIOS = reverse("admin:parties_studio_changelist")
REPRESENTATIVES = reverse("admin:parties_representative_changelist")
ADD_REPRESENTATIVE = reverse("admin:parties_representative_add")


@pytest.fixture
def admin_client(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def act(client, url, action, objects):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects]}, follow=True)


def test_suspending_a_studio_is_audited_and_refuses_its_key_at_once(admin_client, studio):
    assert studio.client.get("/api/v1/me").status_code == 200

    act(admin_client, STUDIOS, "suspend", [studio.studio])

    studio.studio.refresh_from_db()
    assert studio.studio.status == StudioStatus.SUSPENDED
    event = AuditEvent.objects.get(action="studio.suspended", subject_id=studio.studio.public_id)
    assert (event.actor_name, event.data["from"], event.data["to"]) == ("ada", "active", "suspended")
    response = studio.client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/studio-suspended")

    act(admin_client, STUDIOS, "reactivate", [studio.studio])
    assert AuditEvent.objects.filter(action="studio.reactivated", subject_id=studio.studio.public_id).exists()
    assert studio.client.get("/api/v1/me").status_code == 200


def test_a_studios_status_cannot_be_edited_on_its_form(admin_client, studio):
    page = admin_client.get(reverse("admin:parties_studio_change", args=[studio.studio.pk]))
    assert page.status_code == 200
    assert b'name="status"' not in page.content


def test_an_analyst_cannot_suspend_a_studio(analyst, studio):
    client = Client()
    client.force_login(analyst.user)
    act(client, STUDIOS, "suspend", [studio.studio])
    assert Studio.objects.get(pk=studio.studio.pk).status == StudioStatus.ACTIVE
    assert not AuditEvent.objects.filter(action="studio.suspended").exists()


def _representative_form(performer, **overrides) -> dict:
    return {
        "performer": performer.pk,
        "kind": "agent",
        "name": "Talent Partners LLP",
        "email": "desk@talent.example",
        "valid_from": dt.date.today().isoformat(),
        "valid_to": "",
        "authority_document": "Agency agreement of 1 March",
        **overrides,
    }


def test_adding_a_representative_goes_through_the_service(admin_client, performer):
    response = admin_client.post(ADD_REPRESENTATIVE, _representative_form(performer.performer))
    assert response.status_code == 302
    rep = Representative.objects.get(name="Talent Partners LLP")
    assert rep.performer == performer.performer
    assert AuditEvent.objects.filter(action="representative.authorised", subject_id=str(rep.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "guardian"}, "kind", "A guardian acts only for a minor; the performer came of age on 14 Mar 2006."),
        ({"kind": "estate"}, "kind", "An estate acts only for a deceased performer."),
        ({"authority_document": "   "}, "authority_document", "This field is required."),
        (
            {"valid_from": "2027-01-10", "valid_to": "2027-01-01"},
            "valid_to",
            "The authority must end on or after it starts.",
        ),
    ],
)
def test_a_representative_the_rules_refuse_is_a_form_error(admin_client, performer, overrides, field, message):
    response = admin_client.post(ADD_REPRESENTATIVE, _representative_form(performer.performer, **overrides))
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert not Representative.objects.filter(performer=performer.performer).exists()
    assert not AuditEvent.objects.filter(action="representative.authorised").exists()


def test_an_authority_is_never_edited_only_ended(admin_client, performer):
    admin_client.post(ADD_REPRESENTATIVE, _representative_form(performer.performer))
    rep = Representative.objects.get(name="Talent Partners LLP")
    change = reverse("admin:parties_representative_change", args=[rep.pk])
    admin_client.post(change, {"name": "Someone Else"})
    rep.refresh_from_db()
    assert rep.name != "Someone Else"
    assert admin_client.post(reverse("admin:parties_representative_delete", args=[rep.pk])).status_code == 403

    act(admin_client, REPRESENTATIVES, "revoke", [rep])
    rep.refresh_from_db()
    assert rep.revoked_at is not None
    assert AuditEvent.objects.filter(action="representative.revoked", subject_id=str(rep.pk)).exists()
