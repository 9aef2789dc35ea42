"""Well-formed receivables requests the registry declines are 422 with the field and the rule,
as every rule's refusal is (a 400 is for a request built wrong); nothing is recorded."""

from __future__ import annotations

import pytest

from registry.billing.models import Payment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("from=1850-01-01&to=2025-01-01", "from", "too_long"),
        ("from=2025-03-01&to=2025-02-01", "from", "after_end"),
    ],
)
@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_a_statement_over_a_period_the_registry_declines(studio, query, field, code, suffix):
    response = studio.client.get(f"/api/v1/studios/{studio.studio.public_id}/statement{suffix}?{query}")

    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/problems/rule-violation")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]


def test_a_payment_for_a_studio_that_does_not_exist_is_declined(api_clients):
    body = {
        "studio": "std_doesnotexistdoesnotexist00",
        "amount": "100.00",
        "currency": "USD",
        "received_on": "2025-09-01",
        "reference": "BANK-1",
        "method": "bank_transfer",
    }

    response = api_clients["staff"].post("/api/v1/payments/", body, format="json")

    assert response.status_code == 422, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("studio", "not_found")]
    assert not Payment.objects.exists()
