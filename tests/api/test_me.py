"""`GET /api/v1/me` and the studio's contacts, for each kind of caller."""

from __future__ import annotations

import pytest

from registry.parties.models import StudioContact
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_studio_sees_itself(studio, agreement):
    body = studio.client.get("/api/v1/me").json()
    assert body["id"] == studio.studio.public_id
    assert body["legal_name"] == "Northlight Pictures"
    assert body["agreements"] == [
        {
            "code": "test-tvth",
            "name": "Test TV/Theatrical",
            "sector": "tv_theatrical",
            "effective_from": "2023-11-09",
            "effective_to": "2030-06-30",
        }
    ]
    assert "secret_hash" not in body["api_key"]


def test_other_studio_sees_only_itself(studio, other_studio):
    body = other_studio.client.get("/api/v1/me").json()
    assert body["id"] == other_studio.studio.public_id
    assert studio.studio.public_id not in str(body)


@pytest.mark.parametrize("who", ["performer", "other_performer", "staff"])
def test_people_are_refused(request, who):
    caller = request.getfixturevalue(who)
    response = caller.client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/permission-denied")
    assert response.json()["detail"] == "This endpoint is for studios calling with an API key."


def test_anonymous_is_401(anonymous, db):
    assert_problem(
        anonymous.get("/api/v1/me"), 401, "not-authenticated", "Authentication credentials were not provided."
    )


def test_contacts_are_listed_only_for_their_studio(studio, other_studio):
    StudioContact.objects.create(studio=studio.studio, name="Jo", email="jo@north.example", role="technical")
    StudioContact.objects.create(studio=other_studio.studio, name="Ri", email="ri@rival.example", role="billing")
    mine = studio.client.get("/api/v1/me/contacts/").json()["results"]
    theirs = other_studio.client.get("/api/v1/me/contacts/").json()["results"]
    assert [c["email"] for c in mine] == ["jo@north.example"]
    assert [c["email"] for c in theirs] == ["ri@rival.example"]


def test_adding_a_contact(studio):
    response = studio.client.post(
        "/api/v1/me/contacts/", {"name": "Jo", "email": "jo@north.example", "role": "technical"}
    )
    assert response.status_code == 201
    assert response.json()["email"] == "jo@north.example"
    assert StudioContact.objects.filter(studio=studio.studio).count() == 1


def test_adding_a_duplicate_contact_is_a_conflict_naming_the_field_not_a_500(studio):
    payload = {"name": "Jo", "email": "jo@north.example", "role": "technical"}
    studio.client.post("/api/v1/me/contacts/", payload)
    response = studio.client.post("/api/v1/me/contacts/", payload)
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "field": "email",
            "code": "duplicate",
            "message": "jo@north.example is already a technical contact.",
        }
    ]
    assert StudioContact.objects.count() == 1


@pytest.mark.parametrize("who", ["performer", "staff"])
def test_people_cannot_add_studio_contacts(request, who, studio):
    caller = request.getfixturevalue(who)
    response = caller.client.post("/api/v1/me/contacts/", {"name": "Jo", "email": "jo@x.example", "role": "technical"})
    assert response.status_code == 403
    assert StudioContact.objects.count() == 0
