"""DOMAIN.md 2.8: a consent limited to the performer's lifetime ends when staff record their
death: the grant expires through the one guarded transition (its token's status follows), its
studio is told by webhook, checks say so; other consents carry on for the estate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.consent.models import ConsentGrant
from registry.core.vocabulary.webhooks import EventType
from registry.parties.models import Performer
from registry.tokens.models import ConsentToken, TokenStatus
from registry.webhooks import services
from registry.webhooks.models import WebhookMessage
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.consent.factories import grant_for
from tests.permissions import ANONYMOUS, NOT_FOR_PERFORMERS, NOT_FOR_STUDIOS, matrix, refused

pytestmark = pytest.mark.django_db

CHECKS = "/api/v1/consent-checks/"


@pytest.fixture
def subscribed(studio, receiver, allow_loopback):
    services.endpoint_create(studio=studio.studio, url=receiver.url, event_types=list(EventType.values), actor=SYSTEM)
    return studio


def _death_url(performer: Performer) -> str:
    return f"/api/v1/performers/{performer.public_id}/death"


def _check(studio, grant) -> dict:
    body = {
        "performer": grant.performer.public_id,
        "use": grant.use,
        "project": {"kind": "picture", "title": grant.project_title, "production_number": grant.production_number},
        "on": grant.term_start.isoformat(),
        "media": ["streaming"],
        "territory": ["US"],
    }
    return studio.client.post(CHECKS, body, format="json").json()


def test_recording_the_death_ends_lifetime_consents_and_tells_the_studio(subscribed, staff, performer, agreement):
    # Given: one consent limited to Maya's lifetime, one not.
    lifetime = grant_for(subscribed.studio, performer.performer, agreement, description={"lifetime_only": True})
    lasting = grant_for(
        subscribed.studio, performer.performer, agreement, project={"production_number": "NLP-2027-005"}
    )
    assert (lifetime.ends_at_death, lasting.ends_at_death) == (True, False)
    died = timezone.localdate() - dt.timedelta(days=1)

    # When: staff record her death.
    response = staff.client.post(_death_url(performer.performer), {"date_of_death": died.isoformat()}, format="json")

    # Then: the lifetime consent expired (and only it), its token with it, and the studio was told.
    assert response.status_code == 200, response.content
    assert [g["id"] for g in response.json()] == [lifetime.public_id]
    statuses = dict(ConsentGrant.objects.values_list("public_id", "status"))
    assert (statuses[lifetime.public_id], statuses[lasting.public_id]) == ("expired", "active")
    assert (ConsentToken.objects.get(grant=lifetime).status, ConsentToken.objects.get(grant=lasting).status) == (
        TokenStatus.INVALID,
        TokenStatus.VALID,
    )
    expired = WebhookMessage.objects.filter(studio=subscribed.studio, event_type=EventType.GRANT_EXPIRED)
    assert [m.payload["data"]["grant"] for m in expired] == [lifetime.public_id]
    event = AuditEvent.objects.get(action="grant.expired", subject_id=lifetime.public_id)
    assert event.data["ended_at_death"] is True
    assert _check(subscribed, lifetime)["allowed"] is False
    assert Performer.objects.get(pk=performer.performer.pk).date_of_death == died


def test_the_consent_page_says_it_ends_at_death(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement, description={"lifetime_only": True})
    performer.client.force_login(performer.user)

    page = performer.client.get(reverse("portal:consent", args=[grant.public_id])).content.decode()

    assert "Ends at the performer's death: it never passes to the estate" in page


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"date_of_death": "2099-01-01"}, "out_of_range"),
        ({"date_of_death": "1900-01-01"}, "out_of_range"),
    ],
)
def test_a_death_is_dated_between_birth_and_today(staff, performer, body, code):
    response = staff.client.post(_death_url(performer.performer), body, format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("date_of_death", code)]
    assert Performer.objects.get(pk=performer.performer.pk).date_of_death is None


def test_a_death_is_recorded_once(staff, performer):
    staff.client.post(_death_url(performer.performer), {"date_of_death": "2025-01-01"}, format="json")

    response = staff.client.post(_death_url(performer.performer), {"date_of_death": "2025-02-01"}, format="json")

    assert [(e["field"], e["code"]) for e in assert_problem(response, 422, "consent-rule-violation")["errors"]] == [
        ("date_of_death", "already_recorded")
    ]


def test_a_deceased_performer_cannot_be_asked_for_a_lifetime_consent(studio, staff, performer, agreement):
    from tests.consent.factories import request_body

    staff.client.post(_death_url(performer.performer), {"date_of_death": "2025-01-01"}, format="json")
    body = request_body(performer.performer, agreement, description={"lifetime_only": True})

    response = studio.client.post("/api/v1/consent-requests/", body, format="json")

    errors = assert_problem(response, 422, "consent-rule-violation")["errors"]
    assert ("description.lifetime_only", "performer_deceased") in [(e["field"], e["code"]) for e in errors]


CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous"]
ADMINS_ONLY = (403, "permission-denied", "Only union admins record a performer's death.")


def _death_of(performer) -> dt.date | None:
    return Performer.objects.get(pk=performer.pk).date_of_death


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
            "analyst": ADMINS_ONLY,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_who_records_a_death(api_clients, performer, caller, expected):
    response = api_clients[caller].post(
        _death_url(performer.performer), {"date_of_death": "2025-01-01"}, format="json"
    )

    if expected == 200:
        assert response.status_code == 200, response.content
        assert _death_of(performer.performer) == dt.date(2025, 1, 1)
    else:
        refused(response, expected, None, lambda: _death_of(performer.performer))
