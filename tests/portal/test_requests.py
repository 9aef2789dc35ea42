"""Reviewing a request and answering it: the signature record, and every refusal as a form
error that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.consent.models import ConsentGrant, ConsentRequest, Signature
from tests.consent.conftest import deceased_with_estate  # noqa: F401 (fixture)
from tests.consent.factories import create_request
from tests.portal.conftest import client_for

pytestmark = pytest.mark.django_db


def review(req) -> str:
    return reverse("portal:request", args=[req.public_id])


def accept_url(req) -> str:
    return reverse("portal:request-accept", args=[req.public_id])


def accept_body(req, **overrides) -> dict:
    body = {"description_sha256": req.current_description.sha256, "full_name": "Maya Okafor", "confirm": "on"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_the_review_shows_the_whole_description_in_plain_words(owner, pending_request):
    page = owner.get(review(pending_request)).content.decode()
    for text in (
        "Northlight Pictures asks for consent",
        "Using a digital replica",
        "The Long Night, motion picture, production NLP-2027-004",
        "Test TV/Theatrical",
        "Detective Ana Reyes, rooftop chase in scenes 41-44",
        "Subscription or ad-supported streaming, Theatrical exhibition",
        "Canada, United States",
        "1,283.00 USD per day, estimated 3 days",
        pending_request.current_description.sha256,
        "Any other project needs a new consent",
        "Training an AI model on your work is never implied",
        "This consent can be revoked later for future use",
    ):
        assert text in page, text


def test_the_review_states_when_the_agreement_forbids_revocation(owner, pending_request, agreement):
    agreement.performer_may_revoke = False
    agreement.save()
    page = owner.get(review(pending_request)).content.decode()
    assert "Test TV/Theatrical does not let performers revoke this consent once given." in page


def test_accepting_records_the_signature_and_creates_the_grant(owner, pending_request):
    response = owner.post(
        accept_url(pending_request),
        accept_body(pending_request, represented_by="SAG-AFTRA rep J. Doe"),
        HTTP_USER_AGENT="Mozilla/5.0 (Phone) Test",
        REMOTE_ADDR="203.0.113.9",
    )
    grant = ConsentGrant.objects.get(request=pending_request)
    assert response.status_code == 302 and response["Location"] == reverse("portal:consent", args=[grant.public_id])
    signature = Signature.objects.get(request=pending_request)
    sha = pending_request.current_description.sha256
    assert (signature.signer_role, signature.signer_name, signature.description_sha256) == (
        "performer",
        "Maya Okafor",
        sha,
    )
    assert (signature.client_ip, signature.user_agent, signature.represented_by) == (
        "203.0.113.9",
        "Mozilla/5.0 (Phone) Test",
        "SAG-AFTRA rep J. Doe",
    )
    assert signature.attestation_text.startswith("I, Maya Okafor, the performer, have read the description")
    assert sha in signature.attestation_text
    event = AuditEvent.objects.get(action="consent_request.signed", subject_id=pending_request.public_id)
    assert (event.actor_kind, event.actor_name) == ("performer", "Maya Okafor")


def test_the_typed_name_may_differ_in_case_and_spacing(owner, pending_request):
    response = owner.post(accept_url(pending_request), accept_body(pending_request, full_name="  maya   OKAFOR "))
    assert response.status_code == 302
    assert Signature.objects.get(request=pending_request).signer_name == "maya OKAFOR"


def answered(client, url: str, body: dict, request):
    """Post an answer and follow the redirect: a refused answer comes back as the review page
    (post/redirect/get), with the error and what was typed."""
    response = client.post(url, body, follow=True)
    assert response.redirect_chain == [(review(request), 303)]
    return response


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"full_name": "Someone Else"}, b"Type your full name as it is on record: Maya Okafor."),
        ({"confirm": None}, b"Tick the box to confirm you have read the description and consent to this use."),
        ({"full_name": ""}, b"Type your full name to sign."),
        ({"description_sha256": "not-a-hash"}, b"The page was incomplete: reload it, read the description"),
    ],
    ids=["wrong-name", "no-confirmation", "no-name", "bad-hash"],
)
def test_a_bad_acceptance_is_a_form_error_and_signs_nothing(owner, pending_request, overrides, message):
    response = answered(owner, accept_url(pending_request), accept_body(pending_request, **overrides), pending_request)
    assert b"There is a problem" in response.content
    assert message in response.content
    pending_request.refresh_from_db()
    assert pending_request.status == "pending"
    assert not Signature.objects.exists() and not ConsentGrant.objects.exists()


def test_a_stale_description_hash_asks_to_review_again(owner, pending_request):
    response = answered(
        owner, accept_url(pending_request), accept_body(pending_request, description_sha256="a" * 64), pending_request
    )
    assert b"The description you saw is not the current one" in response.content
    # The form now carries the current version, so signing after reading it again works.
    assert f'value="{pending_request.current_description.sha256}"'.encode() in response.content
    assert not ConsentGrant.objects.exists()


def test_answering_twice_is_a_message_not_an_error_page(owner, pending_request):
    assert owner.post(accept_url(pending_request), accept_body(pending_request)).status_code == 302
    again = answered(owner, accept_url(pending_request), accept_body(pending_request), pending_request)
    assert b"is already accepted" in again.content
    assert ConsentGrant.objects.count() == 1


def test_an_expired_request_cannot_be_accepted(owner, pending_request):
    ConsentRequest.objects.filter(pk=pending_request.pk).update(
        requested_at=timezone.now() - dt.timedelta(days=15), expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    page = owner.get(review(pending_request))
    assert b"expired unanswered" in page.content and b"Sign and accept" not in page.content
    response = answered(owner, accept_url(pending_request), accept_body(pending_request), pending_request)
    assert b"expired on" in response.content
    assert not ConsentGrant.objects.exists()


def test_declining_needs_a_reason(owner, pending_request):
    url = reverse("portal:request-decline", args=[pending_request.public_id])
    response = answered(owner, url, {"reason": "   "}, pending_request)
    assert b"Say why you decline: the studio sees the reason." in response.content
    pending_request.refresh_from_db()
    assert pending_request.status == "pending"
    response = owner.post(url, {"reason": "The fee is below my rate."})
    assert response.status_code == 303
    pending_request.refresh_from_db()
    assert (pending_request.status, pending_request.decline_reason) == ("declined", "The fee is below my rate.")
    assert b"Reason: The fee is below my rate." in owner.get(review(pending_request)).content


def test_an_agent_signs_as_themself_for_the_performer(agent, agent_rep, pending_request):
    page = agent.get(review(pending_request)).content.decode()
    assert "You are acting for <strong>Maya Okafor</strong>" in page
    assert "I, Priya Shah, acting as agent for Maya Okafor" in page
    response = agent.post(accept_url(pending_request), accept_body(pending_request, full_name="Priya Shah"))
    assert response.status_code == 302
    signature = Signature.objects.get(request=pending_request)
    assert (signature.signer_role, signature.signer_name, signature.representative) == (
        "representative",
        "Priya Shah",
        agent_rep,
    )
    event = AuditEvent.objects.get(action="consent_request.signed")
    assert (event.actor_kind, event.actor_name) == ("representative", "Priya Shah")


def test_an_agent_cannot_sign_with_the_performers_name(agent, pending_request):
    response = answered(
        agent, accept_url(pending_request), accept_body(pending_request, full_name="Maya Okafor"), pending_request
    )
    assert b"Type your full name as it is on record: Priya Shah." in response.content
    assert not Signature.objects.exists()


def test_a_guardian_signs_for_a_minor(minor_with_guardian, studio, agreement):
    req = create_request(studio.studio, minor_with_guardian.performer, agreement)
    guardian = client_for(minor_with_guardian.user)
    assert b"as their guardian" in guardian.get(review(req)).content
    response = guardian.post(accept_url(req), accept_body(req, full_name="Elena Rivera"))
    assert response.status_code == 302
    assert Signature.objects.get(request=req).signer_role == "guardian"


def test_an_estate_signs_for_a_deceased_performer(deceased_with_estate, studio, agreement):  # noqa: F811
    req = create_request(studio.studio, deceased_with_estate.performer, agreement)
    estate = client_for(deceased_with_estate.user)
    response = estate.post(accept_url(req), accept_body(req, full_name="Olive Crane"))
    assert response.status_code == 302
    assert Signature.objects.get(request=req).signer_role == "estate"


def test_a_minor_signed_in_themself_is_told_the_guardian_signs(minor_with_guardian, studio, agreement):
    from django.contrib.auth import get_user_model

    minor = minor_with_guardian.performer
    minor.user = get_user_model().objects.create_user(username="sam", password="pw-for-tests-1")
    minor.save()
    req = create_request(studio.studio, minor, agreement)
    client = client_for(minor.user)
    page = client.get(review(req))
    assert b"A minor may see their records; their guardian acts for them." in page.content
    assert b"Sign and accept" not in page.content
    response = client.post(accept_url(req), accept_body(req, full_name="Sam Rivera"))
    assert response.status_code == 303
    assert not Signature.objects.exists()


def test_the_request_list_shows_pending_first_with_their_count(owner, pending_request, grant):
    page = owner.get(reverse("portal:requests")).content.decode()
    assert "Waiting for your answer (1)" in page
    assert page.index("The Long Night") < page.index("Answered and expired")
    assert page.index("Harbour Lights") > page.index("Answered and expired")
