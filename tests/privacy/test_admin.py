"""The admin: a union admin carries out or refuses erasure requests through the services; an
analyst sees them and can do neither."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.audit.models import AuditEvent
from registry.core.vocabulary.privacy import ErasureStatus
from registry.parties.models import Performer
from registry.privacy.models import ErasureRequest

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/privacy/erasurerequest/"


@pytest.fixture
def pending(privacy_world, privacy_clients) -> ErasureRequest:
    assert (
        privacy_clients["owner"]
        .post(f"/api/v1/performers/{privacy_world.maya.public_id}/erasure-requests", {})
        .status_code
        == 201
    )
    return ErasureRequest.objects.get()


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_union_admin_carries_it_out(pending, staff):
    response = _browser(staff.user).post(
        CHANGELIST, {"action": "carry_out", "_selected_action": [pending.pk]}, follow=True
    )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == ErasureStatus.COMPLETED
    rows = sum(pending.changes.values())
    assert [str(m) for m in response.context["messages"]] == [
        f"{pending.public_id}: {pending.performer.public_id} pseudonymised ({rows} rows changed)."
    ]
    event = AuditEvent.objects.get(action="performer.erased")
    assert (event.actor_kind, event.actor_name) == ("staff", staff.user.username)


def test_a_refused_carrying_out_is_shown_with_its_reasons(pending, staff, privacy_world, agreement, billed_studio):
    from tests.consent.factories import create_request

    create_request(billed_studio.studio, privacy_world.maya, agreement)

    response = _browser(staff.user).post(
        CHANGELIST, {"action": "carry_out", "_selected_action": [pending.pk]}, follow=True
    )

    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"{pending.public_id}: Erasure is not possible now: Consent requests await an answer")
    pending.refresh_from_db()
    assert (pending.status, pending.refusal_codes) == (ErasureStatus.REFUSED, ["pending_requests"])


def test_a_union_admin_refuses_with_a_reason_after_a_confirmation_page(pending, staff):
    browser = _browser(staff.user)
    page = browser.post(CHANGELIST, {"action": "refuse", "_selected_action": [pending.pk]})
    assert page.status_code == 200 and "Refuse erasure requests" in page.content.decode()
    pending.refresh_from_db()
    assert pending.status == ErasureStatus.PENDING

    browser.post(
        CHANGELIST,
        {"action": "refuse", "_selected_action": [pending.pk], "apply": "1", "reason": "Identity not verified."},
    )

    pending.refresh_from_db()
    assert (pending.status, pending.refusal_detail) == (ErasureStatus.REFUSED, "Identity not verified.")


@pytest.mark.parametrize("action", ["carry_out", "refuse"])
def test_an_analyst_sees_the_list_and_may_do_nothing(pending, analyst, privacy_world, action):
    browser = _browser(analyst.user)
    assert browser.get(CHANGELIST).status_code == 200
    events = AuditEvent.objects.count()

    response = browser.post(
        CHANGELIST, {"action": action, "_selected_action": [pending.pk], "apply": "1", "reason": "r"}
    )

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == ErasureStatus.PENDING
    assert AuditEvent.objects.count() == events
    assert Performer.objects.get(pk=privacy_world.maya.pk).legal_name == "Maya Okafor"


def test_nobody_adds_edits_or_deletes_requests_in_the_admin(pending, staff):
    browser = _browser(staff.user)

    assert browser.get(f"{CHANGELIST}add/").status_code == 403
    assert browser.post(f"{CHANGELIST}{pending.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get(f"{CHANGELIST}{pending.pk}/change/").status_code == 200  # read-only view
    assert ErasureRequest.objects.filter(pk=pending.pk).exists()
