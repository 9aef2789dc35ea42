"""The portal's "Your data" page links the export for the performer the signed-in person may
exercise privacy rights for, and the link works with the portal session."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def _browser(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _export_link(performer) -> str:
    return f"/api/v1/performers/{performer.public_id}/export?download=1"


@pytest.mark.parametrize(("username", "shown"), [("maya", True), ("lena", True), ("otto", False)])
def test_the_your_data_page_links_the_export(privacy_world, username, shown):
    page = _browser(username).get("/portal/your-data", {"for": privacy_world.maya.public_id})

    assert page.status_code == 200
    assert (_export_link(privacy_world.maya) in page.content.decode()) is shown


def test_the_link_downloads_the_export_with_the_portal_session(privacy_world):
    response = _browser("maya").get(_export_link(privacy_world.maya))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["performer"]["legal_name"] == "Maya Okafor"
