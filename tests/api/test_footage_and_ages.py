"""Rule 2.6: a replica from footage shot on the job, where the agreement allows it, needs no scan
notice. Rule 2.9: a request says at what age its replica shows the performer; a minor's replica,
or anyone's shown as a minor, with sexual or nude content is refused. Jurisdictions carry the
share of a minor's earnings set aside (California 15 %)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.consent.models import ConsentRequest
from registry.parties.models import Jurisdiction
from tests.api.conftest import assert_problem, db_snapshot
from tests.consent.factories import request_body

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/consent-requests/"
REASON = "A replica is needed for the rooftop stunt sequence the double cannot do."


def _footage(performer, agreement, **overrides):
    today = timezone.localdate()
    footage = {
        "use": "replica_creation",
        "replica_source": "production_footage",
        "footage_from": (today - dt.timedelta(days=20)).isoformat(),
        "footage_to": (today - dt.timedelta(days=2)).isoformat(),
        "business_reason": REASON,
    }
    return request_body(performer, agreement, **{**footage, **overrides})


def _errors(problem) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in problem["errors"]]


def test_a_replica_from_footage_needs_no_scan_where_the_agreement_allows_it(studio, performer, agreement):
    agreement.replica_from_footage_allowed = True
    agreement.save(update_fields=["replica_from_footage_allowed"])

    response = studio.client.post(REQUESTS, _footage(performer.performer, agreement), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["replica_source"], body["scan_at"], body["footage_to"]) == (
        "production_footage",
        None,
        (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
    )
    stored = ConsentRequest.objects.get(public_id=body["id"])
    assert (stored.replica_source, stored.footage_from) == (
        "production_footage",
        timezone.localdate() - dt.timedelta(days=20),
    )


def test_an_agreement_without_it_refuses_footage(studio, performer, agreement):
    before = db_snapshot()

    response = studio.client.post(REQUESTS, _footage(performer.performer, agreement), format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert _errors(problem) == [("replica_source", "footage_not_allowed")]
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"footage_from": None, "footage_to": None}, [("footage_from", "required")]),
        ({"footage_from": "2026-10-10", "footage_to": "2026-10-01"}, [("footage_to", "dates_reversed")]),
        ({"footage_to": "2099-01-01"}, [("footage_to", "footage_not_shot")]),
        ({"scan_at": "2099-01-01T10:00:00Z"}, [("scan_at", "not_a_scan")]),
        ({"business_reason": ""}, [("business_reason", "business_reason_required")]),
    ],
    ids=["no-dates", "reversed", "future", "with-a-scan-time", "no-reason"],
)
def test_footage_is_described_by_its_dates(studio, performer, agreement, overrides, errors):
    agreement.replica_from_footage_allowed = True
    agreement.save(update_fields=["replica_from_footage_allowed"])
    before = db_snapshot()

    response = studio.client.post(REQUESTS, _footage(performer.performer, agreement, **overrides), format="json")

    assert _errors(assert_problem(response, 422, "consent-rule-violation")) == errors
    assert db_snapshot() == before


def test_a_scan_still_needs_its_scan_time(studio, performer, agreement):
    body = request_body(performer.performer, agreement, use="replica_creation", business_reason=REASON)

    response = studio.client.post(REQUESTS, body, format="json")

    assert _errors(assert_problem(response, 422, "consent-rule-violation")) == [("scan_at", "required")]


# --- Rule 2.9: ages -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("description", "errors"),
    [
        (
            {"depicted_age": 15, "sensitive_content": ["aging", "nudity"]},
            [("description.sensitive_content", "minor_sensitive_content")],
        ),
        (
            {"depicted_age": 15, "sensitive_content": ["nudity"]},
            [
                ("description.sensitive_content", "aging_not_flagged"),
                ("description.sensitive_content", "minor_sensitive_content"),
            ],
        ),
        ({"depicted_age": 60, "sensitive_content": []}, [("description.sensitive_content", "aging_not_flagged")]),
    ],
    ids=["de-aged-into-a-minor-nude", "unflagged-de-aging", "aged-unflagged"],
)
def test_a_replica_at_another_age_says_so_and_never_shows_a_minor_nude(
    studio, performer, agreement, description, errors
):
    before = db_snapshot()

    response = studio.client.post(
        REQUESTS, request_body(performer.performer, agreement, description=description), format="json"
    )

    assert _errors(assert_problem(response, 422, "consent-rule-violation")) == errors
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "description",
    [
        {"depicted_age": 25, "sensitive_content": ["aging", "nudity"]},
        {"depicted_age": 15, "sensitive_content": ["aging", "violence"]},
    ],
    ids=["adult-at-another-adult-age", "de-aged-into-a-minor-not-sexual"],
)
def test_other_ages_pass_when_flagged(studio, performer, agreement, description):
    response = studio.client.post(
        REQUESTS, request_body(performer.performer, agreement, description=description), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["description"]["content"]["depicted_age"] == description["depicted_age"]


def test_a_minors_request_with_sexual_content_is_refused(studio, minor_with_guardian, agreement):
    body = request_body(
        minor_with_guardian.performer, agreement, description={"sensitive_content": ["sexual_content"]}
    )

    response = studio.client.post(REQUESTS, body, format="json")

    assert _errors(assert_problem(response, 422, "consent-rule-violation")) == [
        ("description.sensitive_content", "minor_sensitive_content")
    ]


def test_california_sets_aside_15_percent_of_a_minors_earnings():
    assert Jurisdiction.objects.get(code="us-ca").minor_earnings_set_aside == Decimal("15.00")
