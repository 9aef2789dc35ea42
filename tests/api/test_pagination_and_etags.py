"""Cursor pagination on list endpoints, and ETag / If-None-Match on token and status-list fetches."""

from __future__ import annotations

import pytest

from registry.api.pagination import CURSOR_PATTERN
from registry.consent import services as consent_services
from tests.api.conftest import assert_problem
from tests.conftest import login_of
from tests.consent.factories import create_request, grant_for

pytestmark = pytest.mark.django_db


def test_a_list_is_walked_page_by_page_with_cursor_links(studio, performer, agreement):
    made = [create_request(studio.studio, performer.performer, agreement).public_id for _ in range(5)]

    seen, url, pages = [], "/api/v1/consent-requests/?page_size=2", 0
    while url:
        body = studio.client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        # A request added while walking does not shift the pages already handed out.
        if pages == 1:
            create_request(studio.studio, performer.performer, agreement)
    assert pages == 3
    assert seen == list(reversed(made))  # newest first, each once


def test_filters_combine_with_the_cursor(studio, performer, agreement):
    for _ in range(3):
        create_request(studio.studio, performer.performer, agreement, use="voice_replica")
    create_request(studio.studio, performer.performer, agreement)
    body = studio.client.get("/api/v1/consent-requests/?use=voice_replica&page_size=2").json()
    assert [r["use"] for r in body["results"]] == ["voice_replica"] * 2
    rest = studio.client.get(body["next"]).json()
    assert [r["use"] for r in rest["results"]] == ["voice_replica"]
    assert rest["next"] is None and rest["previous"]


def test_cursor_links_start_with_the_base_url_whatever_the_host_header(settings, studio, performer, agreement):
    settings.REGISTRY_BASE_URL = "https://registry.example.org"
    for _ in range(3):
        create_request(studio.studio, performer.performer, agreement)

    first = studio.client.get("/api/v1/consent-requests/?page_size=2", HTTP_HOST="attacker.example").json()
    second = studio.client.get(first["next"], HTTP_HOST="attacker.example").json()

    assert first["next"].startswith("https://registry.example.org/api/v1/consent-requests/?")
    assert "page_size=2" in first["next"]
    assert second["previous"].startswith("https://registry.example.org/api/v1/consent-requests/?")
    assert len(second["results"]) == 1


def test_an_unreadable_cursor_is_a_400_naming_it(studio):
    body = assert_problem(studio.client.get("/api/v1/consent-requests/?cursor=bogus"), 400, "validation-error")
    assert body["errors"] == [
        {"field": "cursor", "code": "invalid", "message": "Invalid cursor: use the `next` or `previous` link."}
    ]


def test_a_list_is_walked_back_with_previous_links(studio, performer, agreement):
    made = [create_request(studio.studio, performer.performer, agreement).public_id for _ in range(5)]
    last = studio.client.get("/api/v1/consent-requests/?page_size=2").json()
    while last["next"]:
        last = studio.client.get(last["next"]).json()

    seen, url = [], last["previous"]
    while url:
        body = studio.client.get(url).json()
        seen = [row["id"] for row in body["results"]] + seen
        url = body["previous"]

    assert seen + [row["id"] for row in last["results"]] == list(reversed(made))


@pytest.mark.parametrize(
    "cursor",
    ["", "n", "n12", "p12", "n12o3", "p0o1000", "n999999999999999999"],  # every one the schema allows
)
def test_every_cursor_the_schema_allows_is_read(studio, cursor):
    assert studio.client.get("/api/v1/consent-requests/", {"cursor": cursor}).status_code == (
        400 if not cursor else 200
    )


@pytest.mark.parametrize("cursor", ["bogus", "cD0xMg==", "n-1", "x12", "n1234567890123456789", "n12o12345", "n12\n"])
def test_a_cursor_the_schema_does_not_allow_is_a_400(studio, cursor):
    assert_problem(studio.client.get("/api/v1/consent-requests/", {"cursor": cursor}), 400, "validation-error")


@pytest.mark.parametrize("size", ["null", "0", "-1", "501", "2.0", "1e2", "", " 2", "٢"])
def test_a_page_size_that_is_not_a_whole_number_from_1_to_500_is_a_400(studio, size):
    body = assert_problem(studio.client.get("/api/v1/consent-requests/", {"page_size": size}), 400, "validation-error")
    assert body["errors"] == [
        {"field": "page_size", "code": "invalid", "message": "Give a whole number from 1 to 500."}
    ]


def test_the_schema_states_the_cursor_and_page_size_it_accepts(anonymous):
    schema = anonymous.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/grants/"]["get"]["parameters"]}

    assert parameters["cursor"] == {"type": "string", "pattern": CURSOR_PATTERN}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500}


def test_token_fetch_answers_304_to_its_etag(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    url = f"/api/v1/grants/{grant.public_id}/token"
    first = studio.client.get(url)
    etag = first["ETag"]

    again = studio.client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert studio.client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_status_list_answers_304_until_it_is_signed_again(studio, performer, agreement, client):
    grant = grant_for(studio.studio, performer.performer, agreement)
    uri = studio.client.get(f"/api/v1/grants/{grant.public_id}/token").json()["status"]["status_list"]["uri"]
    path = uri.split("://", 1)[1].split("/", 1)[1]
    first = client.get(f"/{path}")
    assert first.status_code == 200
    etag = first["ETag"]

    cached = client.get(f"/{path}", HTTP_IF_NONE_MATCH=etag)
    assert (cached.status_code, cached.content, cached["ETag"]) == (304, b"", etag)
    assert "max-age=" in cached["Cache-Control"]

    consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer))
    from registry.tokens import services as token_services

    token_services.status_list_refresh(status_list_id=grant.tokens.get().status_list_id, force=True)
    fresh = client.get(f"/{path}", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200  # a new signed list: the old copy is stale
    assert fresh["ETag"] != etag
