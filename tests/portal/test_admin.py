"""The staff side: inviting from the admin, approving join requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from registry.parties.models import Performer
from registry.portal.models import JoinRequest, PortalInvitation
from registry.portal.services import join_request_submit
from tests.portal.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def nia(db) -> Performer:
    return Performer.objects.create(
        member_number="SAG-77",
        legal_name="Nia Okoro",
        email="nia@performers.example",
        date_of_birth=dt.date(1990, 5, 1),
    )


def test_a_union_admin_invites_a_performer(staff, nia, django_capture_on_commit_callbacks):
    admin = client_for(staff.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:portal_portalinvitation_invite"), {"performer": nia.pk, "email": ""})
    assert response.status_code == 302
    invitation = PortalInvitation.objects.get()
    assert (invitation.performer, invitation.email, invitation.sent_by) == (nia, "nia@performers.example", "ada")
    assert mail.outbox[-1].to == ["nia@performers.example"]


def test_the_invite_form_needs_exactly_one_party(staff, nia, agent_rep):
    admin = client_for(staff.user)
    both = admin.post(
        reverse("admin:portal_portalinvitation_invite"), {"performer": nia.pk, "representative": agent_rep.pk}
    )
    assert both.status_code == 200 and b"Choose either a performer or a representative." in both.content
    assert not PortalInvitation.objects.exists()


def test_an_invitation_refused_by_the_service_is_shown_on_the_form(staff, performer):
    admin = client_for(staff.user)
    response = admin.post(
        reverse("admin:portal_portalinvitation_invite"),
        {"performer": performer.performer.pk, "email": "m@example.com"},
    )
    assert response.status_code == 200 and b"already has a portal login" in response.content


def test_an_analyst_cannot_invite(analyst, nia):
    response = client_for(analyst.user).post(reverse("admin:portal_portalinvitation_invite"), {"performer": nia.pk})
    assert response.status_code == 403
    assert not PortalInvitation.objects.exists()


def test_approving_a_matching_join_request_sends_the_invitation(staff, nia, django_capture_on_commit_callbacks):
    join_request = join_request_submit(
        member_number="SAG-77", legal_name="Nia Okoro", email="nia@new.example", date_of_birth=dt.date(1990, 5, 1)
    )
    admin = client_for(staff.user)
    changelist = reverse("admin:portal_joinrequest_changelist")
    assert b"yes" in admin.get(changelist).content
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(changelist, {"action": "approve", "_selected_action": [join_request.pk]})
    join_request.refresh_from_db()
    assert join_request.status == "approved"
    assert mail.outbox[-1].to == ["nia@new.example"]


def test_a_mismatching_join_request_is_not_approved(staff, nia):
    join_request = join_request_submit(
        member_number="SAG-77", legal_name="Nia Okoro", email="x@example.com", date_of_birth=dt.date(1999, 1, 1)
    )
    admin = client_for(staff.user)
    response = admin.post(
        reverse("admin:portal_joinrequest_changelist"),
        {"action": "approve", "_selected_action": [join_request.pk]},
        follow=True,
    )
    assert b"not approved. The date of birth differs from the record." in response.content
    join_request.refresh_from_db()
    assert join_request.status == "pending" and not PortalInvitation.objects.exists()


def test_an_analyst_cannot_approve(analyst, nia):
    join_request = join_request_submit(
        member_number="SAG-77", legal_name="Nia Okoro", email="x@example.com", date_of_birth=dt.date(1990, 5, 1)
    )
    response = client_for(analyst.user).post(
        reverse("admin:portal_joinrequest_changelist"), {"action": "approve", "_selected_action": [join_request.pk]}
    )
    assert response.status_code == 403
    assert JoinRequest.objects.get().status == "pending"
