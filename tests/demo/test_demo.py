"""`./run demo` data: the demo performer and guardian use the portal with the printed password."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from registry.demo.data import DEMO_PASSWORD, load_demo
from tests.billing.conftest import ensure_reference_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    ensure_reference_terms()  # a committing test elsewhere may have flushed the shipped agreements
    return load_demo()


def test_the_demo_performer_signs_in_and_has_a_request_waiting(demo):
    assert ("maya", DEMO_PASSWORD) in [(u, p) for u, p, _ in demo.users]
    client = Client()
    response = client.post(reverse("portal:sign-in"), {"username": "maya", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert 'aria-label="1 request">1</span>' in page and "Northlight Pictures" in page
    assert 'Consents in force <span class="count">1</span>' in page


def test_the_demo_guardian_acts_for_the_minor(demo):
    client = Client()
    assert (
        client.post(reverse("portal:sign-in"), {"username": "guardian", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "<strong>Sam Rivera</strong> (guardian)" in page
