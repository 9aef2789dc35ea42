"""The OpenAPI schema documents every operation completely, and the docs pages use no CDN."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_documents_its_errors_as_problem_details(schema):
    missing = []
    for path, method, op in _operations(schema):
        secured = any(op.get("security", [{}]))
        expected = {"400", "404", "503"} | ({"401", "403", "429"} if secured else set())
        if not expected <= set(op["responses"]):
            missing.append(f"{method} {path}: {sorted(expected - set(op['responses']))}")
        for code, response in op["responses"].items():
            if code[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (method, path, code)
                assert response["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
    assert not missing, missing


def test_every_operation_has_a_summary_a_success_body_and_auth(schema):
    for path, method, op in _operations(schema):
        assert op.get("summary") or op.get("description"), (method, path)
        success = [c for c in op["responses"] if c.startswith("2")]
        assert success, (method, path)
        if method != "delete":
            assert any(op["responses"][c].get("content") for c in success), (method, path)
        assert "security" in op, (method, path)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["studioApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A studio API key: `Authorization: Bearer crk_<prefix>_<secret>`.",
    }


def test_creating_operations_take_an_idempotency_key(schema):
    creators = [(p, op) for p, m, op in _operations(schema) if m == "post" and "201" in op["responses"]]
    assert len(creators) >= 8
    for path, op in creators:
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path


def test_list_operations_are_cursor_paginated(schema):
    lists = [(p, op) for p, m, op in _operations(schema) if m == "get" and op["operationId"].endswith("_list")]
    for path, op in lists:
        if op["operationId"] == "funds_list":
            continue  # a handful of fund balances, not a table
        names = {p["name"] for p in op.get("parameters", [])}
        assert {"cursor", "page_size"} <= names, path
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"next", "previous", "results"} <= set(page["properties"]), path


def test_main_operations_carry_examples(schema):
    for path in ("/api/v1/consent-requests/", "/api/v1/consent-checks/", "/api/v1/usage-reports/"):
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body.get("examples"), path
    webhook = schema["paths"]["/api/v1/webhook-endpoints/"]["post"]["requestBody"]["content"]["application/json"]
    assert webhook["examples"]


def test_throttled_answers_say_when_to_retry(schema):
    for path, method, op in _operations(schema):
        if "429" in op["responses"]:
            assert "Retry-After" in op["responses"]["429"]["headers"], (method, path)


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_everything_from_this_server(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert not [s for s in sources if s.startswith(("http://", "https://", "//"))], sources
    assets = [s for s in sources if "/static/" in s]
    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
