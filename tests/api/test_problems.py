"""Every API error is an RFC 9457 problem: one shape, the right status and type."""

from __future__ import annotations

import pytest
from rest_framework import exceptions

from registry.api.problems import problem_exception_handler
from registry.core.problems import ProblemType

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"http://127.0.0.1:8000/problems/{slug}"
    assert body["status"] == status
    assert body["title"] == ProblemType(slug).title
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_validation_error_lists_each_field(studio):
    response = studio.client.post("/api/v1/me/contacts/", {"name": "", "email": "nope", "role": "boss"})
    body = assert_problem(response, 400, "validation-error")
    assert body["detail"] == "name: This field may not be blank. (and 2 more)"
    assert body["errors"] == [
        {"field": "name", "code": "blank", "message": "This field may not be blank."},
        {"field": "email", "code": "invalid", "message": "Enter a valid email address."},
        {"field": "role", "code": "invalid_choice", "message": '"boss" is not a valid choice.'},
    ]


def test_malformed_json_is_a_problem(studio):
    response = studio.client.post("/api/v1/me/contacts/", data="{not json", content_type="application/json")
    assert_problem(response, 400, "malformed-request")


def test_wrong_content_type_is_415(studio):
    response = studio.client.post("/api/v1/me/contacts/", data="name=x", content_type="text/plain")
    assert_problem(response, 415, "unsupported-media-type")


def test_unknown_api_path_is_a_problem_404(studio):
    body = assert_problem(studio.client.get("/api/v1/no-such-thing"), 404, "not-found")
    assert body["detail"] == "No API resource at /api/v1/no-such-thing."


def test_wrong_method_is_405(studio):
    assert_problem(studio.client.delete("/api/v1/me"), 405, "method-not-allowed")


def test_unauthenticated_is_401(anonymous):
    assert_problem(anonymous.get("/api/v1/me"), 401, "not-authenticated")


def test_unexpected_exception_becomes_a_500_problem_without_internals():
    response = problem_exception_handler(RuntimeError("secret internals"), {"view": None})
    assert response.status_code == 500
    assert response.data["type"].endswith("/problems/server-error")
    assert "secret internals" not in str(response.data)


def test_throttled_carries_retry_after():
    response = problem_exception_handler(exceptions.Throttled(wait=7.2), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "8"
    assert response.data["type"].endswith("/problems/throttled")


def test_every_problem_type_has_a_page(client):
    for ptype in ProblemType:
        response = client.get(f"/problems/{ptype.slug}")
        assert response.status_code == 200
        assert ptype.title in response.content.decode()
