"""Authority derived on every act from the day's facts, through the API, the portal, the
services and the staff's invitations (issue 16, items 1 and 2). The permission matrix
(tests/api/test_consent_permissions.py) covers every consent endpoint for the same callers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.consent import services as consent_services
from registry.consent.models import ConsentGrant, PerformerPreferences
from registry.consent.notifications import send_request_received
from registry.core.errors import NotPermittedError
from registry.parties.models import Performer, Representative
from registry.parties.services import representative_authorise
from registry.portal.models import PortalInvitation
from registry.privacy.models import ErasureRequest
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.consent.factories import accept, create_request
from tests.permissions import ACTS_FOR_NO_ONE, MINOR_ACTS_THROUGH_GUARDIAN
from tests.portal.conftest import client_for

pytestmark = pytest.mark.django_db

LAPSED = {
    "former_guardian": "A guardian acts only for a minor; the performer came of age on 1 Mar 2026.",
    "agent_of_deceased": "An agent's authority ended at the performer's death on 1 May 2025; the estate acts now.",
    "estate_of_living": "An estate acts only for a deceased performer.",
}


def _state(performer) -> tuple:
    return (
        AuditEvent.objects.count(),
        PerformerPreferences.objects.filter(performer=performer).exists(),
        ErasureRequest.objects.filter(performer=performer).count(),
    )


@pytest.mark.parametrize("caller", list(LAPSED))
def test_a_lapsed_mandate_reads_and_changes_nothing_over_the_api(request, caller):
    lapsed = request.getfixturevalue(caller)
    target = lapsed.performer
    before = _state(target)

    export = lapsed.client.get(f"/api/v1/performers/{target.public_id}/export")
    prefs = lapsed.client.put(
        f"/api/v1/performers/{target.public_id}/preferences", {"do_not_train": True}, format="json"
    )
    erasure = lapsed.client.post(f"/api/v1/performers/{target.public_id}/erasure-requests", {}, format="json")

    for response in (export, prefs, erasure):
        assert_problem(response, *ACTS_FOR_NO_ONE)
    assert _state(target) == before


@pytest.mark.parametrize("caller", list(LAPSED))
def test_a_lapsed_mandate_is_told_why_in_the_portal(request, caller):
    lapsed = request.getfixturevalue(caller)

    page = client_for(lapsed.user).get(reverse("portal:dashboard"))

    assert page.status_code == 403
    text = page.content.decode()
    assert "You no longer act for anyone" in text
    assert lapsed.performer.legal_name in text
    assert LAPSED[caller].replace("'", "&#x27;") in text


@pytest.mark.parametrize("caller", list(LAPSED))
def test_the_services_refuse_a_lapsed_mandate_with_the_reason(request, caller, studio, agreement, staff):
    lapsed = request.getfixturevalue(caller)
    target = lapsed.performer
    pending = create_request(studio.studio, target, agreement)

    with pytest.raises(NotPermittedError) as declined:
        consent_services.consent_request_decline(request=pending, reason="No.", acting_user=lapsed.user)
    with pytest.raises(NotPermittedError) as preferences:
        consent_services.preferences_update(
            performer=target,
            acting_user=lapsed.user,
            do_not_train=True,
            opt_out_categories=[],
            declined_uses=[],
            rate_floor_amount=None,
            rate_floor_currency="",
            rate_floor_unit="",
        )

    assert declined.value.message == LAPSED[caller]
    assert preferences.value.message == LAPSED[caller]
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert not PerformerPreferences.objects.filter(performer=target).exists()


def test_a_former_guardian_who_guards_another_child_sees_only_that_child(former_guardian, minor_with_guardian):
    # given the former guardian also guards Sam, a minor today
    representative_authorise(
        performer=minor_with_guardian.performer,
        kind="guardian",
        name="Gus Moreno",
        user=former_guardian.user,
        valid_from=dt.date(2020, 1, 1),
        authority_document="Court order 2020",
        actor=SYSTEM,
    )
    ada, sam = former_guardian.performer, minor_with_guardian.performer

    # then Ada's records are a 404 (as anyone's they may not see), Sam's are theirs
    assert_problem(former_guardian.client.get(f"/api/v1/performers/{ada.public_id}/export"), 404, "not-found")
    assert former_guardian.client.get(f"/api/v1/performers/{sam.public_id}/export").status_code == 200
    dashboard = client_for(former_guardian.user).get(reverse("portal:dashboard"))
    assert dashboard.status_code == 200
    assert sam.legal_name in dashboard.content.decode()
    assert ada.legal_name not in dashboard.content.decode()


def test_the_performer_who_came_of_age_acts_for_themself(former_guardian, studio, agreement):
    ada = former_guardian.performer
    grant = accept(create_request(studio.studio, ada, agreement))

    consent_services.grant_suspend(grant=grant, reason="A pause", acting_user=ada.user)

    assert ConsentGrant.objects.get(pk=grant.pk).status == "suspended"
    event = AuditEvent.objects.filter(action="grant.suspended").latest("id")
    assert (event.actor_kind, event.actor_id) == ("performer", ada.public_id)


# --- A minor signed in themself: sees, does not act ----------------------------------------
@pytest.fixture
def sams_grant(minor_with_guardian, minor_self, studio, agreement):
    return accept(create_request(studio.studio, minor_self.performer, agreement), user=minor_with_guardian.user)


def test_a_minor_sees_their_consent_without_the_controls(minor_self, sams_grant):
    page = client_for(minor_self.user).get(reverse("portal:consent", args=[sams_grant.public_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "A minor may see their records; their guardian acts for them." in text
    assert reverse("portal:consent-revoke", args=[sams_grant.public_id]) not in text


@pytest.mark.parametrize("action", ["revoke", "suspend"])
def test_a_minor_cannot_revoke_or_suspend_in_the_portal(minor_self, sams_grant, action):
    audit_before = AuditEvent.objects.count()

    response = client_for(minor_self.user).post(
        reverse(f"portal:consent-{action}", args=[sams_grant.public_id]), {"reason": "I want to stop", "confirm": "on"}
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert "A minor may see their records; their guardian acts for them." in text
    assert "This field is required." not in text
    assert ConsentGrant.objects.get(pk=sams_grant.pk).status == "active"
    assert AuditEvent.objects.count() == audit_before


def test_a_minor_cannot_change_preferences_in_the_portal(minor_self):
    sam = minor_self.performer
    page = client_for(minor_self.user).get(reverse("portal:preferences"))
    assert page.status_code == 200 and '<fieldset class="plain" disabled>' in page.content.decode()

    response = client_for(minor_self.user).post(
        reverse("portal:preferences"), {"for": sam.public_id, "do_not_train": "on", "rate_floor_currency": "USD"}
    )

    assert response.status_code == 400
    assert "A minor may see their records; their guardian acts for them." in response.content.decode()
    assert not PerformerPreferences.objects.filter(performer=sam).exists()


def test_a_minor_cannot_authorise_an_agent(minor_self):
    response = client_for(minor_self.user).post(
        reverse("portal:representative-add"),
        {"for": minor_self.performer.public_id, "kind": "agent", "name": "Zed", "email": "z@example.com",
         "valid_from": "2026-12-01", "authority_document": "Agency agreement"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Representative.objects.filter(name="Zed").exists()


def test_the_guardian_still_acts_for_the_minor_in_the_portal(minor_with_guardian, sams_grant):
    response = client_for(minor_with_guardian.user).post(
        reverse("portal:consent-suspend", args=[sams_grant.public_id]), {"reason": "Pause for school", "confirm": "on"}
    )
    assert response.status_code == 302
    assert ConsentGrant.objects.get(pk=sams_grant.pk).status == "suspended"


def test_a_minor_cannot_ask_for_erasure_or_take_the_export(minor_self):
    sam = minor_self.performer
    assert_problem(minor_self.client.get(f"/api/v1/performers/{sam.public_id}/export"), *MINOR_ACTS_THROUGH_GUARDIAN)
    response = minor_self.client.post(f"/api/v1/performers/{sam.public_id}/erasure-requests", {}, format="json")
    assert_problem(response, *MINOR_ACTS_THROUGH_GUARDIAN)
    assert not ErasureRequest.objects.exists()


# --- Who is asked, who is invited ----------------------------------------------------------
def test_a_minors_request_is_emailed_to_the_guardian_not_the_child(minor_with_guardian, studio, agreement):
    sam = minor_with_guardian.performer
    sam.email = "sam@kids.example"
    sam.save(update_fields=["email"])
    Representative.objects.filter(performer=sam).update(email="elena@family.example")
    request = create_request(studio.studio, sam, agreement)
    mail.outbox.clear()

    sent = send_request_received(request.pk)

    assert sent == 1
    assert [m.to for m in mail.outbox] == [["elena@family.example"]]


def test_no_email_goes_to_the_agent_of_a_performer_who_has_died(agent_of_deceased, studio, agreement):
    Representative.objects.filter(user=agent_of_deceased.user).update(email="agnes@agency.example")
    request = create_request(studio.studio, agent_of_deceased.performer, agreement)
    mail.outbox.clear()

    assert send_request_received(request.pk) == 0
    assert mail.outbox == []


def test_inviting_a_minor_invites_the_guardian_with_a_warning(staff):
    kit = Performer.objects.create(member_number="SAG-12", legal_name="Kit Lee", date_of_birth=dt.date(2014, 1, 9))
    representative_authorise(
        performer=kit,
        kind="guardian",
        name="June Lee",
        email="june@family.example",
        valid_from=dt.date(2014, 1, 9),
        authority_document="Birth certificate",
        actor=SYSTEM,
    )

    response = client_for(staff.user).post(
        reverse("admin:portal_portalinvitation_invite"),
        {"performer": kit.pk, "email": "kit@kids.example"},
        follow=True,
    )

    invitation = PortalInvitation.objects.get()
    assert (invitation.performer, invitation.representative.name, invitation.email) == (
        None,
        "June Lee",
        "june@family.example",
    )
    assert kit.user is None and Performer.objects.get(pk=kit.pk).user is None
    messages = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert messages == [
        (
            "warning",
            "Kit Lee is a minor: a minor acts only through their guardian, so the invitation went to their "
            "guardian June Lee at june@family.example, not to Kit Lee.",
        )
    ]


def test_a_minor_with_no_guardian_on_record_is_not_invited(staff, db):
    child = Performer.objects.create(
        member_number="SAG-12", legal_name="Kit Lee", email="kit@kids.example", date_of_birth=dt.date(2014, 1, 9)
    )
    response = client_for(staff.user).post(reverse("admin:portal_portalinvitation_invite"), {"performer": child.pk})

    assert response.status_code == 200
    assert "Kit Lee is a minor (12) and no guardian is on record." in response.content.decode()
    assert not PortalInvitation.objects.exists()
