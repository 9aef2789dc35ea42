"""The API's JSON parser refuses bodies nested deeper than MAX_JSON_DEPTH as a 400 problem, on
every JSON endpoint and before any of them reads the body; so do consent tokens nested deeply."""

from __future__ import annotations

import json

import pytest

from registry.core.limits import MAX_JSON_DEPTH
from registry.tokens.jose import b64url_encode
from registry.usage.models import UsageReport
from tests.api.conftest import assert_problem, db_snapshot

pytestmark = pytest.mark.django_db

# What the outside review sent: about 2 KB, nested 950 levels.
DEEP = "[" * 950 + "]" * 950


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_deeply_nested_body_to_the_anonymous_verify_endpoint_is_a_400(anonymous):
    response = anonymous.post("/api/v1/tokens/verify", data=DEEP, content_type="application/json")

    body = assert_problem(response, 400, "malformed-request")
    assert body["detail"] == f"JSON parse error - JSON nested deeper than {MAX_JSON_DEPTH} levels"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/consent-checks/", "/api/v1/consent-requests/", "/api/v1/usage-reports/", "/api/v1/me/contacts/"],
)
def test_a_deeply_nested_body_is_refused_on_every_json_endpoint_and_nothing_is_stored(studio, path):
    before = db_snapshot(), UsageReport.objects.count()

    response = studio.client.post(path, data=DEEP, content_type="application/json")

    assert_problem(response, 400, "malformed-request")
    assert (db_snapshot(), UsageReport.objects.count()) == before


def test_nesting_inside_an_object_counts_too(studio):
    body = '{"report_id": "R-1", "lines": ' + '{"a": ' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH + "}"

    response = studio.client.post("/api/v1/usage-reports/", data=body, content_type="application/json")

    assert_problem(response, 400, "malformed-request")


def test_nesting_up_to_the_limit_is_read(anonymous):
    # the body itself is the outermost level
    body = '{"token": "x", "extra": ' + nested(MAX_JSON_DEPTH - 1) + "}"

    response = anonymous.post("/api/v1/tokens/verify", data=body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["reasons"] == ["malformed"]


def test_brackets_inside_strings_are_text_not_nesting(anonymous):
    body = json.dumps({"token": "[" * 2000 + "{" * 2000 + '"\\"]'})

    response = anonymous.post("/api/v1/tokens/verify", data=body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["reasons"] == ["malformed"]


def test_a_token_whose_header_nests_deeply_is_malformed_not_a_500(anonymous):
    token = f"{b64url_encode(nested(5000).encode())}.{b64url_encode(b'{}')}.{b64url_encode(b'sig')}"

    response = anonymous.post("/api/v1/tokens/verify", {"token": token}, format="json")

    assert response.status_code == 200
    assert response.json() == {"valid": False, "status": "invalid", "claims": {}, "reasons": ["malformed"]}
