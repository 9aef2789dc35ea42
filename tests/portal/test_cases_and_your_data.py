"""The portal's case pages and "Your data" (issue 21 item 9), with each kind of caller: the
performer concerned, their agent, another performer, staff, anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.privacy.models import ErasureRequest
from tests.cases.test_cases import violation

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(studio, performer):
    return violation(studio.studio, member_number=performer.performer.member_number)


def test_the_performer_concerned_sees_the_case_in_words(owner, case):
    listed = owner.get(reverse("portal:cases")).content.decode()
    assert "Northlight Pictures" in listed and reverse("portal:case", args=[case.public_id]) in listed
    page = owner.get(reverse("portal:case", args=[case.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "The studio reported a use for which there is no consent from you." in text
    assert "Open: union staff will take it up" in text
    assert case.usage_line.use_date.strftime("%B %Y").split()[0] in text


def test_the_agent_sees_the_case_in_the_performers_name(agent, case):
    text = agent.get(reverse("portal:case", args=[case.public_id])).content.decode()
    assert "no consent from Maya Okafor" in text


def test_another_performer_gets_404_and_an_empty_list(stranger, case):
    assert stranger.get(reverse("portal:case", args=[case.public_id])).status_code == 404
    assert case.public_id not in stranger.get(reverse("portal:cases")).content.decode()


@pytest.mark.parametrize("name", ["portal:cases", "portal:privacy"])
def test_staff_are_refused_and_anonymous_sent_to_sign_in(name, staff_client, anon):
    assert staff_client.get(reverse(name)).status_code == 403
    response = anon.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:sign-in"))


def test_erasure_refused_while_a_consent_is_in_force_says_why_and_stores_nothing(owner, grant):
    response = owner.post(reverse("portal:privacy"), {"confirm": "on"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Erasure is not possible yet" in text and "Consents are still in force or suspended." in text
    assert grant.public_id not in text
    assert not ErasureRequest.objects.exists()


def test_erasure_asked_with_nothing_to_keep_is_queued_for_staff(owner, performer):
    unconfirmed = owner.post(reverse("portal:privacy"), {})
    assert unconfirmed.status_code == 400 and b"Tick the box to confirm you ask for erasure." in unconfirmed.content
    response = owner.post(reverse("portal:privacy"), {"confirm": "on", "reason": "I left the profession."})
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert (request.performer, request.status, request.reason) == (
        performer.performer,
        "pending",
        "I left the profession.",
    )


def test_an_agent_is_told_the_rights_are_not_theirs_and_stores_nothing(agent, performer):
    page = agent.get(reverse("portal:privacy"), {"for": performer.performer.public_id}).content.decode()
    assert "authority is commercial" in page and "Ask for erasure</button>" not in page
    response = agent.post(reverse("portal:privacy"), {"for": performer.performer.public_id, "confirm": "on"})
    assert response.status_code == 400 and b"authority is commercial" in response.content
    assert not ErasureRequest.objects.exists()


def test_another_performers_data_page_is_404(stranger, performer):
    assert stranger.get(reverse("portal:privacy"), {"for": performer.performer.public_id}).status_code == 404
