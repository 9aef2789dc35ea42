"""The portal in a real browser: joining, signing in, answering a request made through the
studio API, the token and its public verification page, revoking, declining, acting for a
performer, statements, and another performer's URL. Screenshots land in var/artifacts/e2e/;
axe-core checks each main page for serious and critical accessibility violations."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from registry.consent.models import ConsentGrant, Signature
from registry.parties.models import Performer
from registry.tokens.selectors import current_token
from tests.consent.factories import request_body
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, check_page, link_in, sign_in, snap, today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def studio_requests_consent(site: str, secret: str, performer, agreement, *, title: str = "Harbour Lights") -> str:
    """POST a request to the studio API over HTTP, as a studio's system would; returns its id."""
    start = today()
    body = request_body(
        performer,
        agreement,
        project={"kind": "picture", "title": title, "production_number": "NLP-2027-009"},
        description={"term_start": start.isoformat(), "term_end": (start + dt.timedelta(days=365)).isoformat()},
    )
    http_request = urllib.request.Request(  # noqa: S310 (the live server on 127.0.0.1)
        f"{site}/api/v1/consent-requests/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(http_request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        return json.load(response)["id"]


def with_password(user) -> str:
    """Give a fixture's login the e2e password; returns the username to sign in with."""
    user.set_password(PASSWORD)
    user.save()
    return user.get_username()


def test_staff_invite_a_performer_who_sets_a_password_and_signs_in(new_page, staff):
    nia = Performer.objects.create(
        member_number="SAG-77",
        legal_name="Nia Okoro",
        email="nia@performers.example",
        date_of_birth=dt.date(1990, 5, 1),
    )
    admin = new_page()
    admin.goto("/admin/login/?next=/admin/portal/portalinvitation/invite/")
    admin.get_by_label("Username").fill(with_password(staff.user))
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_label("Performer").select_option(label=str(nia))
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_text("Invitation sent to nia@performers.example")).to_be_visible()

    assert len(mail.outbox) == 1
    page = new_page()
    page.goto(link_in(mail.outbox[0].body))
    expect(page.get_by_role("heading", name="Welcome, Nia Okoro")).to_be_visible()
    check_page(page, "welcome")
    page.get_by_label("Your date of birth").fill("1990-05-01")
    page.get_by_label("These details are mine and correct.").check()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set my password and sign in").click()
    expect(page.get_by_text("Welcome. Your password is set")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    sign_in(page, "nia@performers.example", "not-the-password")
    expect(page.get_by_text("do not match")).to_be_visible()
    check_page(page, "sign-in-error")
    sign_in(page, "nia@performers.example")
    expect(page.get_by_role("heading", name="Hello, Nia Okoro")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_review_accept_verify_and_revoke(new_page, viewport, site, studio, performer, agreement):
    request_id = studio_requests_consent(site, studio.secret, performer.performer, agreement)
    page = new_page(viewport)
    sign_in(page, with_password(performer.user))
    expect(page.locator("#pending-heading .count")).to_have_text("1")
    check_page(page, "dashboard")

    page.get_by_role("link", name=re.compile("Northlight Pictures")).first.click()
    expect(page.get_by_role("heading", name="Northlight Pictures asks for consent")).to_be_visible()
    sha = performer.performer.consent_requests.get().current_description.sha256
    expect(page.get_by_text(sha, exact=True)).to_be_hidden()  # a fingerprint is a technical detail
    page.get_by_text("Technical details").click()
    expect(page.get_by_text(sha, exact=True)).to_be_visible()
    check_page(page, "request-review")
    page.get_by_label("Type your full name to sign").fill("Maya Okafor")
    page.get_by_label("I have read the whole description").check()
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_text("You signed.")).to_be_visible()

    grant = ConsentGrant.objects.get(request__public_id=request_id)
    signature = Signature.objects.get(request__public_id=request_id)
    assert (signature.signer_role, signature.signer_name, signature.description_sha256) == (
        "performer",
        "Maya Okafor",
        sha,
    )
    assert signature.client_ip == "127.0.0.1" and "Chrome" in signature.user_agent
    assert sha in signature.attestation_text
    expect(page.locator(".qr svg")).to_be_visible()
    check_page(page, "consent")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the token").click()
    assert Path(download.value.path()).read_text() == current_token(grant).jws

    page.get_by_role("link", name="Open the verification page").click()
    expect(page.locator(".verdict-title")).to_have_text("In force")
    expect(page.get_by_text("Maya")).to_have_count(0)  # no personal data beyond the token's claims
    check_page(page, "verify-valid")
    page.go_back()

    page.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    check_page(page, "revoke-confirm")
    page.get_by_label("Reason").fill("I no longer agree to this use.")
    page.get_by_label("I understand the effect described above.").check()
    page.get_by_role("button", name="Revoke consent").click()
    expect(page.get_by_text("Consent revoked.")).to_be_visible()
    grant.refresh_from_db()
    assert grant.status == "revoked"

    page.goto(f"/verify/{grant.public_id}")
    expect(page.locator(".verdict-title")).to_have_text("Revoked")
    check_page(page, "verify-revoked")


def test_decline_with_a_reason(new_page, site, studio, performer, agreement):
    request_id = studio_requests_consent(site, studio.secret, performer.performer, agreement)
    page = new_page()
    sign_in(page, with_password(performer.user))
    page.goto(f"/portal/requests/{request_id}")
    page.get_by_role("button", name="Decline the request").click()
    expect(page.locator("#error-summary")).to_contain_text("Say why you decline: the studio sees the reason.")
    page.get_by_label("Why do you decline?").fill("The fee is below my rate.")
    page.get_by_role("button", name="Decline the request").click()
    expect(page.get_by_text("You declined the request.")).to_be_visible()
    expect(page.get_by_text("Reason: The fee is below my rate.")).to_be_visible()
    snap(page, "request-declined")
    assert performer.performer.consent_requests.get().status == "declined"


def test_an_agent_accepts_on_the_performers_behalf_and_signs_as_themself(
    new_page, site, studio, performer, agreement, agent_rep
):
    request_id = studio_requests_consent(site, studio.secret, performer.performer, agreement)
    page = new_page()
    sign_in(page, with_password(agent_rep.user))
    page.goto(f"/portal/requests/{request_id}")
    expect(page.get_by_text("You are acting for Maya Okafor as their agent.")).to_be_visible()
    check_page(page, "request-review-agent")
    page.get_by_label("Type your full name to sign").fill("Maya Okafor")  # not theirs to type
    page.get_by_label("I have read the whole description").check()
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.locator("#id_full_name_error")).to_have_text("Type your full name as it is on record: Priya Shah.")
    page.get_by_label("Type your full name to sign").fill("Priya Shah")
    page.get_by_label("I have read the whole description").check()
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_text("You signed.")).to_be_visible()
    signature = Signature.objects.get(request__public_id=request_id)
    assert (signature.signer_role, signature.signer_name, signature.representative) == (
        "representative",
        "Priya Shah",
        agent_rep,
    )
    assert "acting as agent for Maya Okafor" in signature.attestation_text


def test_another_performers_url_is_not_found(new_page, site, studio, performer, other_performer, agreement):
    request_id = studio_requests_consent(site, studio.secret, performer.performer, agreement)
    page = new_page()
    sign_in(page, with_password(other_performer.user))
    response = page.goto(f"/portal/requests/{request_id}")
    assert response.status == 404
    expect(page.get_by_text("Harbour Lights")).to_have_count(0)
