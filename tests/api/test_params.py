"""Query parameters take the written forms the schema states, and a present but empty or
unreadable one is a 400 naming it (not silently ignored)."""

from __future__ import annotations

import pytest

from registry.webhooks import services as webhook_services
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db


def _fields(response) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("value", ["null", "yes", "", "TRUE", "2"])
def test_a_download_flag_is_true_false_1_or_0(studio, performer, agreement, value):
    grant = grant_for(studio.studio, performer.performer, agreement)

    response = studio.client.get(f"/api/v1/grants/{grant.public_id}/token", {"download": value})

    assert_problem(response, 400, "validation-error")
    assert _fields(response) == [("download", "invalid")]


@pytest.mark.parametrize(
    ("value", "content_type"),
    [("1", "application/jwt"), ("true", "application/jwt"), ("0", "application/json"), ("false", "application/json")],
)
def test_the_download_flag_still_reads_1_and_0(studio, performer, agreement, value, content_type):
    grant = grant_for(studio.studio, performer.performer, agreement)

    response = studio.client.get(f"/api/v1/grants/{grant.public_id}/token", {"download": value})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type


@pytest.mark.parametrize(("path", "name", "value"), [
    ("/api/v1/invoices/", "period", ""),
    ("/api/v1/viewing-reports/", "exhibition_year", "0"),
    ("/api/v1/viewing-reports/", "exhibition_year", "101"),
    ("/api/v1/viewing-reports/", "exhibition_year", "99999999999999999999"),
    ("/api/v1/webhook-endpoints/", "status", ""),
])  # fmt: skip
def test_an_empty_or_out_of_range_filter_is_a_400_not_ignored(make_studio_caller, path, name, value):
    caller = make_studio_caller("Allscope Pictures")

    response = caller.client.get(path, {name: value})

    assert_problem(response, 400, "validation-error")
    assert _fields(response) == [(name, "invalid_choice" if name == "status" else "invalid")]


def test_an_empty_delivery_filter_is_a_400(studio):
    endpoint, _ = webhook_services.endpoint_create(
        studio=studio.studio, url="https://hooks.example.com/x", event_types=["grant.revoked"], actor=SYSTEM
    )

    response = studio.client.get(f"/api/v1/webhook-endpoints/{endpoint.public_id}/deliveries", {"event_type": ""})

    assert_problem(response, 400, "validation-error")
