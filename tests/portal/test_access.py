"""Every portal page against every kind of caller: the owner, another performer, an agent
authorised for the owner, union staff, a signed-in account with no performer (the nearest to
a studio person; studios only hold API keys), a studio's API key, and anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OBJECT_PAGES = ["request", "consent", "consent-token", "consent-revoke", "consent-suspend"]
# What only the owner's page shows: proof the body is theirs, not just a 200.
OWNER_SEES = {
    "request": b"The Long Night",
    "consent": b"Harbour Lights",
    "consent-token": b"eyJ",
    "consent-revoke": b"Revoke this consent?",
    "consent-suspend": b"Suspend this consent?",
    "dashboard": b"Waiting for your answer",
    "requests": b"The Long Night",
    "consents": b"Harbour Lights",
    "earnings": b"Statement for",
    "statement-csv": b"document,studio,project",
    "statement-pdf": b"%PDF",
    "preferences": b"Standing preferences",
    "activity": b"A studio asked for consent",
    "checks": b"No studio has checked yet",
}
LIST_PAGES = [
    "dashboard",
    "requests",
    "consents",
    "earnings",
    "statement-csv",
    "statement-pdf",
    "preferences",
    "activity",
    "checks",
]


def url_for(name: str, pending_request, grant) -> str:
    if name == "request":
        return reverse("portal:request", args=[pending_request.public_id])
    if name in ("consent", "consent-token", "consent-revoke", "consent-suspend"):
        return reverse(f"portal:{name}", args=[grant.public_id])
    return reverse(f"portal:{name}")


@pytest.mark.parametrize("name", OBJECT_PAGES + LIST_PAGES)
def test_the_owner_sees_their_page(name, owner, pending_request, grant):
    response = owner.get(url_for(name, pending_request, grant))
    assert response.status_code == 200
    assert OWNER_SEES[name] in response.content


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_another_performer_gets_404_for_the_owners_records(name, stranger, pending_request, grant):
    response = stranger.get(url_for(name, pending_request, grant))
    assert response.status_code == 404
    assert b"Harbour Lights" not in response.content and b"Maya" not in response.content


@pytest.mark.parametrize("name", ["dashboard", "requests", "consents", "activity", "checks"])
def test_another_performer_sees_none_of_the_owners_records_in_lists(name, stranger, pending_request, grant):
    response = stranger.get(reverse(f"portal:{name}"))
    assert response.status_code == 200
    assert b"Northlight Pictures" not in response.content
    assert pending_request.public_id.encode() not in response.content
    assert grant.public_id.encode() not in response.content


@pytest.mark.parametrize(
    "name", ["earnings", "statement-csv", "statement-pdf", "preferences", "activity", "dashboard", "checks"]
)
def test_another_performer_cannot_choose_the_owner_with_for(name, stranger, performer):
    response = stranger.get(reverse(f"portal:{name}"), {"for": performer.performer.public_id})
    assert response.status_code == 404
    assert b"Maya Okafor" not in response.content


@pytest.mark.parametrize("name", OBJECT_PAGES + LIST_PAGES)
def test_an_authorised_agent_sees_the_performers_pages(name, agent, pending_request, grant, performer):
    url = url_for(name, pending_request, grant)
    response = agent.get(url, {"for": performer.performer.public_id} if name in LIST_PAGES else {})
    assert response.status_code == 200
    assert OWNER_SEES[name] in response.content
    if name in ("request", "consent", "consent-revoke"):
        assert b"You are acting for <strong>Maya Okafor</strong>" in response.content


def test_an_agent_of_someone_else_gets_404(agent, other_performer, studio, agreement):
    from tests.consent.factories import create_request

    theirs = create_request(studio.studio, other_performer.performer, agreement)
    assert agent.get(reverse("portal:request", args=[theirs.public_id])).status_code == 404
    assert agent.get(reverse("portal:earnings"), {"for": other_performer.performer.public_id}).status_code == 404


def test_a_revoked_agent_loses_access_at_once(agent, agent_rep, pending_request, grant):
    from registry.parties.services import representative_revoke
    from tests.conftest import SYSTEM

    representative_revoke(representative=agent_rep, actor=SYSTEM)
    for url in (
        reverse("portal:request", args=[pending_request.public_id]),
        reverse("portal:consent", args=[grant.public_id]),
    ):
        response = agent.get(url)
        assert response.status_code == 403
        # told why, and shown nothing of the performer's records
        assert b"You no longer act for anyone" in response.content
        assert b"The authority was revoked." in response.content
        assert pending_request.project_title.encode() not in response.content


@pytest.mark.parametrize("name", OBJECT_PAGES + LIST_PAGES)
def test_staff_are_sent_to_the_admin(name, staff_client, pending_request, grant):
    response = staff_client.get(url_for(name, pending_request, grant))
    assert response.status_code == 403
    assert b"Staff work in the" in response.content
    assert b"Harbour Lights" not in response.content


@pytest.mark.parametrize("name", OBJECT_PAGES + LIST_PAGES)
def test_an_account_with_no_performer_gets_403(name, unlinked, pending_request, grant):
    response = unlinked.get(url_for(name, pending_request, grant))
    assert response.status_code == 403
    assert b"not linked to a performer" in response.content
    assert b"Harbour Lights" not in response.content


@pytest.mark.parametrize("name", OBJECT_PAGES + LIST_PAGES)
def test_anonymous_is_sent_to_sign_in(name, anon, pending_request, grant):
    url = url_for(name, pending_request, grant)
    response = anon.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in") + "?next=")


def test_a_studio_api_key_does_not_open_the_portal(anon, studio, grant):
    response = anon.get(
        reverse("portal:consent", args=[grant.public_id]), HTTP_AUTHORIZATION=f"Bearer {studio.secret}"
    )
    assert response.status_code == 302
    assert reverse("portal:sign-in") in response["Location"]


@pytest.mark.parametrize(
    "name,method",
    [("request-accept", "post"), ("request-decline", "post"), ("consent-revoke", "post"), ("consent-suspend", "post")],
)
def test_writes_by_another_performer_are_404_and_change_nothing(name, method, stranger, pending_request, grant):
    arg = pending_request.public_id if name.startswith("request") else grant.public_id
    response = getattr(stranger, method)(
        reverse(f"portal:{name}", args=[arg]),
        {"reason": "x", "confirm": "on", "full_name": "Leo Brandt", "description_sha256": "0" * 64},
    )
    assert response.status_code == 404
    pending_request.refresh_from_db()
    grant.refresh_from_db()
    assert pending_request.status == "pending"
    assert grant.status == "active"


def test_the_public_verification_page_needs_no_sign_in(anon, grant):
    response = anon.get(reverse("verify-grant", args=[grant.public_id]))
    assert response.status_code == 200
    assert b'data-status="valid"' in response.content


@pytest.mark.parametrize(
    "name", ["request-accept", "request-decline", "consent-revoke", "consent-suspend", "preferences", "verify"]
)
def test_every_form_needs_its_csrf_token(name, performer, pending_request, grant):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(performer.user)
    if name.startswith("request"):
        url = reverse(f"portal:{name}", args=[pending_request.public_id])
    elif name.startswith("consent"):
        url = reverse(f"portal:{name}", args=[grant.public_id])
    else:
        url = reverse(name if name == "verify" else f"portal:{name}")
    response = client.post(url, {"reason": "x", "confirm": "on", "do_not_train": "on", "token": "x"})
    assert response.status_code == 403
    pending_request.refresh_from_db()
    grant.refresh_from_db()
    assert (pending_request.status, grant.status) == ("pending", "active")
