"""What the performer signs beside the description (issue 18): the compensation, which binds the
price of every use, and a replica's origin (EBDR or ICDR). Both are hashed with the description,
shown on the review page and in the attestation, and carried in the token."""

from __future__ import annotations

import pytest

from registry.consent.services import description_sha256
from registry.portal.views.requests import compensation_words, origin_words
from registry.tokens import sdjwt
from tests.consent.factories import create_request, request_body

pytestmark = pytest.mark.django_db


def test_the_hash_covers_the_compensation_and_the_origin(studio, performer, agreement):
    ebdr = create_request(studio.studio, performer.performer, agreement)
    content = ebdr.current_description.content
    assert content["compensation"] == {
        "amount": "1283.00",
        "currency": "USD",
        "unit": "day",
        "estimated_days": "3.00",
        "negotiated_per_use": False,
    }
    assert content["replica_origin"] == "employment_based"  # a replica use, origin not stated
    assert ebdr.current_description.sha256 == description_sha256(content)

    # The same description at another price, or another origin, is another signed text.
    dearer = create_request(studio.studio, performer.performer, agreement, compensation={"amount": "1500.00"})
    icdr = create_request(studio.studio, performer.performer, agreement, replica_origin="independently_created")
    hashes = {r.current_description.sha256 for r in (ebdr, dearer, icdr)}
    assert len(hashes) == 3
    assert icdr.replica_origin == "independently_created"


def test_a_training_request_has_no_origin_and_says_so_when_given_one(studio, performer, agreement):
    training = create_request(studio.studio, performer.performer, agreement, use="training")
    assert training.replica_origin == ""
    assert training.current_description.content["replica_origin"] == ""

    response = studio.client.post(
        "/api/v1/consent-requests/",
        request_body(performer.performer, agreement, use="training", replica_origin="employment_based"),
        format="json",
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("replica_origin", "not_a_replica_use")]


def test_a_flat_fee_cannot_be_negotiated_per_use(studio, performer, agreement):
    response = studio.client.post(
        "/api/v1/consent-requests/",
        request_body(performer.performer, agreement, compensation={"unit": "flat", "negotiated_per_use": True}),
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "compensation.negotiated_per_use"


def test_the_api_shows_what_was_signed(studio, performer, agreement):
    response = studio.client.post(
        "/api/v1/consent-requests/",
        request_body(
            performer.performer,
            agreement,
            replica_origin="independently_created",
            compensation={"unit": "use", "negotiated_per_use": True},
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["replica_origin"] == "independently_created"
    assert body["compensation"]["negotiated_per_use"] is True
    assert body["description"]["content"]["compensation"]["unit"] == "use"


def test_the_review_page_and_the_attestation_state_the_price_and_origin(studio, performer, agreement):
    request = create_request(
        studio.studio,
        performer.performer,
        agreement,
        replica_origin="independently_created",
        compensation={"unit": "use", "negotiated_per_use": True},
    )
    assert compensation_words(request) == "a price negotiated per use, at least 1,283.00 USD per use"
    assert origin_words(request) == ", the replica being independently created (ICDR)"

    performer.client.force_login(performer.performer.user)
    page = performer.client.get(f"/portal/requests/{request.public_id}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Replica origin" in text and "Independently created (ICDR)" in text
    assert "a price negotiated per use, at least 1,283.00 USD per use" in text


def test_the_origin_is_disclosable_on_its_own_in_an_sd_jwt():
    assert "consent.replica_origin" in sdjwt.DISCLOSABLE
    assert "consent.compensation" in sdjwt.DISCLOSABLE
