"""Sharing a proof of consent from the portal: choose what to show, get a link and a QR code; the
recipient's page verifies it and shows nothing else. Each kind of caller, and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.consent import services
from registry.tokens.models import SharedPresentation
from tests.conftest import login_of

pytestmark = pytest.mark.django_db


def share_url(grant) -> str:
    return reverse("portal:consent-share", args=[grant.public_id])


def share(client, grant, **body):
    return client.post(share_url(grant), {"disclose": ["use", "project"], "audience": "Festival desk", **body})


def test_a_performer_shares_use_and_project_and_the_recipient_sees_only_those(owner, anon, grant):
    response = share(owner, grant)

    assert response.status_code == 302
    shared = SharedPresentation.objects.get()
    assert response["Location"] == reverse("portal:consent-shared", args=[grant.public_id, shared.public_id])
    page = owner.get(response["Location"]).content.decode()
    assert "QR code: opens the shared proof" in page
    assert f"/proofs/{shared.public_id}" in page
    assert "<li>The use (e.g. voice-only replica)</li>" in page and "The fee" not in page

    proof = anon.get(f"/proofs/{shared.public_id}").content.decode()
    assert 'data-status="valid"' in proof
    assert "Harbour Lights" in proof
    assert str(grant.request.compensation_amount) not in proof
    assert grant.performer.public_id not in proof.split("Check it yourself")[0]


def test_the_link_says_revoked_once_the_consent_is_revoked(owner, anon, performer, grant):
    share(owner, grant)
    shared = SharedPresentation.objects.get()

    services.grant_revoke(grant=grant, reason="no", acting_user=login_of(performer.performer))

    assert 'data-status="revoked"' in anon.get(f"/proofs/{shared.public_id}").content.decode()


def test_the_consent_page_links_to_sharing(owner, grant):
    page = owner.get(reverse("portal:consent", args=[grant.public_id])).content.decode()

    assert share_url(grant) in page


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"disclose": []}, "disclose", "Choose at least one thing to show."),
        ({"disclose": ["fee"]}, "disclose", "Select a valid choice. fee is not one of the available choices."),
        ({"audience": ""}, "audience", "This field is required."),
        ({"audience": "x" * 201}, "audience", "Ensure this value has at most 200 characters (it has 201)."),
        ({"nonce": "short"}, "nonce", "Ensure this value has at least 8 characters (it has 5)."),
        ({"nonce": "has spaces in it"}, "nonce", "Use letters, digits and punctuation only, without spaces."),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_shared(owner, grant, body, field, message):
    response = share(owner, grant, **body)

    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert SharedPresentation.objects.count() == 0


def test_another_performer_and_anonymous_cannot_share(stranger, anon, grant):
    assert share(stranger, grant).status_code == 404
    response = share(anon, grant)
    assert response.status_code == 302 and reverse("portal:sign-in") in response["Location"]
    assert SharedPresentation.objects.count() == 0


def test_staff_and_accounts_acting_for_no_performer_cannot_share(staff_client, unlinked, grant):
    assert share(staff_client, grant).status_code == 403
    assert share(unlinked, grant).status_code == 403
    assert SharedPresentation.objects.count() == 0


def test_an_agent_may_share_for_the_performer(agent, grant):
    assert share(agent, grant).status_code == 302
    assert SharedPresentation.objects.get().token.grant == grant


def test_an_ended_consent_offers_no_sharing(owner, performer, grant):
    services.grant_revoke(grant=grant, reason="no", acting_user=login_of(performer.performer))

    response = share(owner, grant)

    assert "This consent has ended: there is nothing in force to prove." in response.content.decode()
    assert SharedPresentation.objects.count() == 0
