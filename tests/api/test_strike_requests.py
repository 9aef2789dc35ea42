"""Rule 2.10 at the door: a new consent request to a studio on strike under that agreement is
refused with its own problem type, or taken and held suspended where the agreement says so."""

from __future__ import annotations

import pytest
from django.utils import timezone

from registry.consent import services
from registry.consent.models import ConsentRequest
from tests.api.conftest import assert_problem, db_snapshot
from tests.conftest import SYSTEM
from tests.consent.factories import accept, request_body

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/consent-requests/"
CHECKS = "/api/v1/consent-checks/"


def _strike(studio, agreement):
    return services.strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM)


def test_a_request_to_a_studio_on_strike_is_refused_and_nothing_is_stored(studio, performer, agreement):
    # Given: the union declared a strike against the studio under this agreement.
    strike = _strike(studio, agreement)
    before = db_snapshot()

    # When: the studio asks a performer for consent under it.
    response = studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")

    # Then: refused with the strike's own problem type, naming the strike; nothing stored.
    problem = assert_problem(response, 409, "studio-on-strike")
    assert problem["strike"] == strike.public_id
    assert problem["detail"] == (
        f"Northlight Pictures is on strike under test-tvth since {strike.starts_at:%Y-%m-%d}; "
        "new consent requests are refused until the strike is lifted."
    )
    assert db_snapshot() == before


def test_another_studio_not_on_strike_may_still_ask(studio, other_studio, performer, agreement):
    _strike(studio, agreement)

    response = other_studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["held_by_strike"] is None


def test_once_the_strike_is_lifted_requests_are_taken_again(studio, performer, agreement):
    strike = _strike(studio, agreement)
    services.strike_lift(strike=strike, actor=SYSTEM)

    response = studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["held_by_strike"]) == ("pending", None)


def test_an_agreement_that_holds_requests_takes_them_suspended(studio, performer, agreement):
    # Given: an agreement that holds requests during a strike instead of refusing them.
    agreement.strike_requests_held = True
    agreement.save(update_fields=["strike_requests_held"])
    strike = _strike(studio, agreement)

    # When: the studio asks, and the performer signs.
    response = studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")
    assert response.status_code == 201, response.content
    request = ConsentRequest.objects.get(public_id=response.json()["id"])
    grant = accept(request)

    # Then: the request names the strike, and the consent checks as suspended by it until it is lifted.
    assert (response.json()["status"], response.json()["held_by_strike"]) == ("pending", strike.public_id)
    body = {
        "performer": performer.performer.public_id,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
        "on": grant.term_start.isoformat(),
        "media": ["streaming"],
        "territory": ["US"],
    }
    during = studio.client.post(CHECKS, body, format="json").json()
    assert (during["allowed"], [r["code"] for r in during["reasons"]]) == (False, ["suspended_by_strike"])
    services.strike_lift(strike=strike, actor=SYSTEM, now=timezone.now())
    after = studio.client.post(CHECKS, body, format="json").json()
    assert (after["allowed"], after["grant"]) == (True, grant.public_id)
