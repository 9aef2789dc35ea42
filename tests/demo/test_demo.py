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
    assert 'Current consents <span class="count" aria-label="2 consents">2</span>' in page


def test_the_demo_guardian_acts_for_the_minor(demo):
    client = Client()
    assert (
        client.post(reverse("portal:sign-in"), {"username": "guardian", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "You act for <strong>Sam Rivera</strong> as their guardian" in page


def test_the_demo_shows_the_product_with_its_past(demo):
    """Issue 21 item 14: earnings, past consents, usage in past months, finalized and paid
    invoices, a bonus distribution, an open violation case, a past strike, every representative."""
    from registry.billing.models import Invoice
    from registry.cases.models import Case
    from registry.consent.models import ConsentGrant, Strike
    from registry.parties.models import Performer, Representative
    from registry.residuals.models import BonusShare
    from registry.usage.models import UsageLine

    maya = Performer.objects.get(member_number="SAG-100001")
    invoices = Invoice.objects.filter(document_type="invoice")
    assert invoices.filter(status="paid").count() == 1
    assert invoices.filter(status="finalized").count() >= 4
    assert UsageLine.objects.filter(performer=maya).dates("use_date", "month").count() == 5
    assert set(ConsentGrant.objects.filter(performer=maya).values_list("status", flat=True)) >= {
        "active",
        "expired",
        "revoked",
    }
    assert Case.objects.filter(performer=maya, kind="violation", status="open").count() == 1
    strike = Strike.objects.get()
    assert strike.lifted_at is not None and strike.suspensions.filter(ended_at__isnull=False).exists()
    assert BonusShare.objects.filter(performer=maya).exists()
    assert set(Representative.objects.values_list("kind", flat=True)) == {"agent", "lawyer", "guardian", "estate"}
    client = Client()
    client.post(reverse("portal:sign-in"), {"username": "maya", "password": DEMO_PASSWORD})
    period = invoices.order_by("-period").first().period
    page = client.get(reverse("portal:earnings"), {"period": f"{period:%Y-%m}"}).content.decode()
    assert 'class="bar"' in page and "USD</text>" in page


def test_loading_the_demo_twice_keeps_what_exists(demo):
    from registry.billing.models import Invoice

    count = Invoice.objects.count()
    load_demo()
    assert Invoice.objects.count() == count
