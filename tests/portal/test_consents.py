"""My consents, the consent page with its token and QR code, revoke / suspend / resume behind
a confirmation, and the public verification page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.consent import services
from registry.consent.models import ConsentGrant
from registry.tokens.selectors import current_token
from tests.conftest import login_of

pytestmark = pytest.mark.django_db


def action_url(grant, action: str) -> str:
    return reverse(f"portal:consent-{action}", args=[grant.public_id])


def test_the_list_splits_live_and_ended_consents(owner, grant, studio, performer, agreement):
    from tests.consent.factories import grant_for

    ended = grant_for(studio.studio, performer.performer, agreement)
    services.grant_revoke(grant=ended, reason="no", acting_user=login_of(ended.performer))
    page = owner.get(reverse("portal:consents")).content.decode()
    assert "Current (1)" in page
    assert page.index(grant.public_id) < page.index("Ended or revoked") < page.index(ended.public_id)


def test_the_consent_page_shows_scope_term_token_and_a_qr_code_to_the_verification_page(owner, grant, settings):
    page = owner.get(reverse("portal:consent", args=[grant.public_id])).content.decode()
    token = current_token(grant)
    assert "Harbour Lights, motion picture, production NLP-2027-009" in page
    assert token.jws in page
    assert '<svg viewBox="0 0 ' in page and "QR code: opens the verification page" in page
    assert f"{settings.REGISTRY_BASE_URL}/verify/{grant.public_id}" in page
    assert "Revoke…" in page and "Suspend…" in page


def test_the_qr_code_encodes_the_verification_address(grant, settings):
    from registry.portal.views.consents import verification_url

    assert verification_url(grant) == f"{settings.REGISTRY_BASE_URL}/verify/{grant.public_id}"


def test_the_token_downloads_as_a_file(owner, grant):
    response = owner.get(reverse("portal:consent-token", args=[grant.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    assert response["Content-Disposition"] == f'attachment; filename="consent-{grant.public_id}.jwt"'
    assert response.content.decode() == current_token(grant).jws


def test_revoking_first_states_the_effect(owner, grant):
    page = owner.get(action_url(grant, "revoke")).content.decode()
    assert "From now on Northlight Pictures may not make any new use of this consent" in page
    assert "Use before now that was already billed stays billed and paid." in page
    assert "This cannot be undone" in page
    grant.refresh_from_db()
    assert grant.status == "active"


@pytest.mark.parametrize(
    "body,message",
    [
        ({"reason": "Changed my mind"}, b"Tick the box to confirm you understand the effect."),
        ({"confirm": "on"}, b"Give a reason for revoking: it is required, and the studio sees it."),
    ],
    ids=["unconfirmed", "no-reason"],
)
def test_revoking_needs_the_confirmation_and_a_reason(owner, grant, body, message):
    response = owner.post(action_url(grant, "revoke"), body)
    assert response.status_code == 400
    assert message in response.content
    grant.refresh_from_db()
    assert grant.status == "active"


def test_revoking_revokes_and_the_token_verifies_revoked(owner, anon, grant):
    response = owner.post(action_url(grant, "revoke"), {"reason": "Changed my mind", "confirm": "on"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == "revoked"
    event = AuditEvent.objects.get(action="grant.revoked", subject_id=grant.public_id)
    assert (event.actor_kind, event.data["reason"]) == ("performer", "Changed my mind")
    verification = anon.get(reverse("verify-grant", args=[grant.public_id]))
    assert b'data-status="revoked">Revoked<' in verification.content
    page = owner.get(reverse("portal:consent", args=[grant.public_id])).content.decode()
    assert "This consent has ended; nothing can be changed." in page


def test_suspending_and_resuming(owner, anon, grant):
    assert owner.post(action_url(grant, "suspend"), {"confirm": "on"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "suspended"
    assert b'data-status="suspended"' in anon.get(reverse("verify-grant", args=[grant.public_id])).content
    page = owner.get(reverse("portal:consent", args=[grant.public_id])).content.decode()
    assert "Resume…" in page and "Suspend…" not in page
    assert owner.post(action_url(grant, "resume"), {"confirm": "on"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "active"


def test_suspending_twice_is_a_form_error(owner, grant):
    services.grant_suspend(grant=grant, reason="", acting_user=login_of(grant.performer))
    response = owner.post(action_url(grant, "suspend"), {"confirm": "on"})
    assert response.status_code == 400
    assert b"is already suspended by the performer" in response.content


def test_an_agreement_that_forbids_revocation_shows_no_button_and_refuses(owner, grant, agreement):
    agreement.performer_may_revoke = False
    agreement.performer_may_suspend = False
    agreement.save()
    page = owner.get(reverse("portal:consent", args=[grant.public_id])).content.decode()
    assert "Revoke…" not in page
    assert "Test TV/Theatrical does not let performers revoke or suspend this consent." in page
    response = owner.post(action_url(grant, "revoke"), {"reason": "x", "confirm": "on"})
    assert response.status_code == 400
    assert b"does not let performers revoke consent" in response.content
    grant.refresh_from_db()
    assert grant.status == "active"


def test_an_agent_may_revoke_for_the_performer_and_is_recorded_as_themself(agent, grant):
    assert (
        agent.post(action_url(grant, "revoke"), {"reason": "On Maya's instruction", "confirm": "on"}).status_code
        == 302
    )
    event = AuditEvent.objects.get(action="grant.revoked")
    assert (event.actor_kind, event.actor_name) == ("representative", "Priya Shah")


# --- The public verification page -------------------------------------------------------------
def test_verification_shows_the_claims_and_no_names(anon, grant):
    page = anon.get(reverse("verify-grant", args=[grant.public_id])).content.decode()
    assert 'data-status="valid">In force<' in page
    assert "Harbour Lights" in page and grant.performer.public_id in page and grant.studio.public_id in page
    for personal in ("Maya", "Okafor", "Northlight Pictures", "SAG-1"):
        assert personal not in page


def test_verifying_an_unknown_id_is_a_404_page(anon):
    response = anon.get(reverse("verify-grant", args=["cgr_nope"]))
    assert response.status_code == 404
    assert b"This registry has no consent at this address." in response.content


def test_a_pasted_token_is_verified(anon, grant):
    response = anon.post(reverse("verify"), {"token": current_token(grant).jws})
    assert response.status_code == 200
    assert b'data-status="valid"' in response.content


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000], ids=["garbage", "three-parts", "long"])
def test_a_pasted_non_token_says_invalid_and_never_errors(anon, token):
    response = anon.post(reverse("verify"), {"token": token})
    assert response.status_code == 200
    assert b'data-status="invalid">Not a valid token<' in response.content


def test_pasting_nothing_is_a_form_error(anon):
    response = anon.post(reverse("verify"), {"token": ""})
    assert response.status_code == 400
    assert b"Paste a consent token to check it." in response.content


def test_a_superseded_version_verifies_as_superseded(anon, grant, studio, performer, agreement):
    from tests.consent.factories import accept, create_request

    amendment = create_request(
        studio.studio,
        performer.performer,
        agreement,
        amends_grant=grant,
        project={"kind": "picture", "title": "Harbour Lights", "production_number": "NLP-2027-009"},
    )
    accept(amendment)
    old_token = current_token(ConsentGrant.objects.get(pk=grant.pk))
    response = anon.post(reverse("verify"), {"token": old_token.jws})
    assert b'data-status="superseded">Ended<' in response.content
