"""Security headers on every kind of response: pages, the API, errors and static files."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in response["Content-Security-Policy"].split(";"))
    }


@pytest.mark.parametrize(
    "path", ["/", "/portal/sign-in", "/admin/login/", "/api/v1/me", "/api/v1/nowhere", "/verify/"]
)
def test_every_response_carries_the_strict_policy_and_headers(path):
    response = Client().get(path)
    found = policy(response)
    assert {name: found.get(name) for name in STRICT} == STRICT
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_only_redoc_allows_inline_styles_and_blob_workers():
    found = policy(Client().get("/api/redoc/"))
    assert "'unsafe-inline'" in found["style-src"]
    assert found["worker-src"] == "'self' blob:"
    assert found["script-src"] == "'self'"


def test_pages_have_no_inline_script_or_style():
    for path in ["/", "/portal/sign-in", "/api/docs/", "/api/redoc/", "/verify/"]:
        body = Client().get(path).content.decode()
        assert "<style" not in body, path
        assert " style=" not in body, path
        for tag in body.split("<script")[1:]:
            assert tag.split(">", 1)[0].strip().startswith("src=") or " src=" in tag.split(">", 1)[0], path
