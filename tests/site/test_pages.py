"""The front page, the integration guide and the error pages outside the browser: who gets what."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_front_page_and_the_guide_are_public():
    client = Client()
    home = client.get("/").content.decode()
    assert "For performers" in home and "For studios" in home and 'href="/integration-guide"' in home
    guide = client.get("/integration-guide")
    assert guide.status_code == 200 and b"Idempotency-Key" in guide.content
    example = client.get("/integration-guide/studio_client.py")
    assert example.status_code == 200 and example["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path,back",
    [
        ("/nothing-here", 'href="/"'),
        ("/portal/nothing-here", 'href="/portal/"'),
        ("/verify/cgr_nope/x", 'href="/portal/"'),
    ],
)
def test_a_missing_page_is_the_styled_404_of_its_area(settings, debug, path, back):
    settings.DEBUG = debug
    response = Client().get(path)
    text = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in text and back in text
    assert "Using the URLconf" not in text


@pytest.mark.parametrize("debug", [False, True])
def test_the_api_keeps_problem_details(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_nul_in_a_query_is_the_styled_400():
    response = Client().get("/portal/sign-in?next=%00")
    assert response.status_code == 400 and b"The registry could not read that request" in response.content


def test_a_csrf_failure_is_the_styled_page(performer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(performer.user)
    response = client.post("/portal/preferences", {})
    assert response.status_code == 403 and b"This form has expired" in response.content
