"""DOMAIN.md 2.8: the union consents for a deceased performer with no estate on record only once
staff have recorded a diligent search for one (who, when, what was tried); the signature shows
the search it rests on; the estate's authority ends with the post-mortem protection period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from registry.audit.models import AuditEvent
from registry.parties.models import EstateSearch, Jurisdiction, Performer
from registry.parties.rules import Capacity, PersonFacts, capacity_refusal
from tests.api.conftest import assert_problem
from tests.consent.factories import create_request
from tests.permissions import ANONYMOUS, NOT_FOR_PERFORMERS, NOT_FOR_STUDIOS, matrix, refused

pytestmark = pytest.mark.django_db

STEPS = "Probate records of Los Angeles County, the former agent and two nieces: no executor was named."


@pytest.fixture
def harold(db) -> Performer:
    return Performer.objects.create(
        member_number="SAG-77",
        legal_name="Harold Vance",
        date_of_birth=dt.date(1931, 4, 2),
        date_of_death=dt.date(2024, 9, 30),
    )


def _url(performer) -> str:
    return f"/api/v1/performers/{performer.public_id}/estate-searches"


def _body(**overrides) -> dict:
    return {"searcher": "Ada Admin", "searched_on": "2024-11-15", "steps": STEPS, **overrides}


def _count() -> int:
    return EstateSearch.objects.count()


CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous"]
ADMINS_ONLY = (403, "permission-denied", "Only union admins record a search for an estate.")


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": NOT_FOR_STUDIOS,
            "other_studio": NOT_FOR_STUDIOS,
            "staff": 201,
            "analyst": ADMINS_ONLY,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_who_records_a_search(api_clients, harold, caller, expected):
    before = _count()

    response = api_clients[caller].post(_url(harold), _body(), format="json")

    if expected == 201:
        assert response.status_code == 201, response.content
        search = EstateSearch.objects.get()
        assert response.json() == {
            "id": search.pk,
            "performer": harold.public_id,
            "searcher": "Ada Admin",
            "searched_on": "2024-11-15",
            "steps": STEPS,
            "recorded_at": response.json()["recorded_at"],
            "recorded_by": search.recorded_by,
        }
        event = AuditEvent.objects.get(action="performer.estate_search_recorded")
        assert (event.subject_id, event.data["searcher"]) == (harold.public_id, "Ada Admin")
    else:
        refused(response, expected, before, _count)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": NOT_FOR_STUDIOS,
            "other_studio": NOT_FOR_STUDIOS,
            "staff": 200,
            "analyst": 200,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_who_reads_the_searches(api_clients, staff, harold, caller, expected):
    api_clients["staff"].post(_url(harold), _body(), format="json")

    response = api_clients[caller].get(_url(harold))

    if expected == 200:
        assert response.status_code == 200, response.content
        assert [r["searcher"] for r in response.json()["results"]] == ["Ada Admin"]
    else:
        refused(response, expected, 1, _count)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (_body(searched_on="2024-01-01"), "searched_on", "before_death"),
        (_body(searched_on="2099-01-01"), "searched_on", "in_future"),
        (_body(steps="Asked around."), "steps", "too_short"),
    ],
    ids=["before-death", "future", "too-short"],
)
def test_a_search_is_dated_and_says_what_was_tried(staff, harold, body, field, code):
    response = staff.client.post(_url(harold), body, format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert _count() == 0


def test_a_living_performer_has_no_estate_to_search_for(staff, performer):
    response = staff.client.post(_url(performer.performer), _body(), format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("performer", "not_deceased")]


def test_the_union_signs_only_after_a_search_and_the_signature_shows_it(staff, studio, harold, agreement):
    request = create_request(studio.studio, harold, agreement)
    accept_url = f"/api/v1/consent-requests/{request.public_id}/accept"
    sign = {
        "description_sha256": request.current_description.sha256,
        "signer_name": "Ada Admin",
        "attestation_text": "The union consents for Harold Vance, whose estate could not be found.",
        "confirm": True,
    }

    # Before any search: refused, nothing signed.
    refused_answer = staff.client.post(accept_url, sign, format="json")
    problem = assert_problem(refused_answer, 403, "permission-denied")
    assert "once staff have recorded a diligent search" in problem["detail"]

    # After the search: signed, and the request shows the search the signature rests on.
    assert staff.client.post(_url(harold), _body(), format="json").status_code == 201
    accepted = staff.client.post(accept_url, sign, format="json")
    assert accepted.status_code == 200, accepted.content
    shown = staff.client.get(f"/api/v1/consent-requests/{request.public_id}").json()
    assert shown["estate_search"] == {"searcher": "Ada Admin", "searched_on": "2024-11-15", "steps": STEPS}


def test_the_request_page_shows_the_search_to_the_estate_later(staff, studio, harold, agreement, client):
    from registry.consent import services
    from registry.core.actors import Actor, ActorKind

    staff.client.post(_url(harold), _body(), format="json")
    request = create_request(studio.studio, harold, agreement)
    signer = services.signer_for(
        user=staff.user, performer=harold, is_union_admin=True, name="Ada", on=dt.date.today()
    )
    services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="The union consents.",
        actor=Actor(kind=ActorKind.STAFF, id="1", name="Ada"),
    )
    # Harold's estate executor is found later and reads the record in the portal.
    from registry.parties.models import Representative
    from tests.conftest import _user

    executor = _user("ruth", first_name="Ruth", last_name="Vance")
    Representative.objects.create(
        performer=harold,
        kind="estate",
        name="Ruth Vance",
        email="ruth@example.com",
        user=executor,
        valid_from=dt.date(2025, 1, 1),
    )
    client.force_login(executor)

    page = client.get(reverse("portal:request", args=[request.public_id])).content.decode()

    assert "The union signed after a diligent search for an estate by Ada Admin, ended 15 November 2024" in page
    assert "two nieces: no executor was named." in page


def test_the_estates_authority_ends_with_the_post_mortem_period():
    # California: 70 years after death (Jurisdiction data).
    years = Jurisdiction.objects.get(code="us-ca").post_mortem_protection_years
    person = PersonFacts(date_of_birth=dt.date(1900, 1, 1), date_of_death=dt.date(1950, 6, 1), post_mortem_years=years)

    assert capacity_refusal(Capacity.ESTATE, person, dt.date(2020, 5, 31)) is None
    assert capacity_refusal(Capacity.ESTATE, person, dt.date(2020, 6, 1)) == (
        "The post-mortem protection of the performer's likeness ended on 31 May 2020."
    )
