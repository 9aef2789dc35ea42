"""Console fixtures: a registry with something on every dashboard panel, and a signed-in
Django test client for each kind of caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from registry.billing import services as billing_services
from registry.billing.models import Invoice
from registry.cases.models import Case
from registry.consent.models import ConsentGrant, Strike
from registry.consent.services import strike_declare
from registry.terms.models import Agreement
from registry.usage.services import LineInput, synthetic_performer_register
from tests.billing.conftest import PICTURE, ensure_reference_terms, past_grant, replica_line, report
from tests.cases.test_cases import violation
from tests.conftest import SYSTEM
from tests.consent.factories import create_request

AUGUST = dt.date(2025, 8, 1)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def console_clients(staff, analyst, performer) -> dict[str, Client]:
    """One client per kind of caller: union admin, union analyst, a performer, anonymous."""
    return {
        "admin": signed_in(staff.user),
        "analyst": signed_in(analyst.user),
        "performer": signed_in(performer.user),
        "anonymous": Client(),
    }


@dataclass
class World:
    grant: ConsentGrant
    invoice: Invoice
    violation: Case
    notice: Case
    strike: Strike
    tvth: Agreement


@pytest.fixture
def console_world(
    studio, other_studio, performer, other_performer, agreement, django_capture_on_commit_callbacks
) -> World:
    """August 2025 billed (the worked example: 3,738.00 to the performer, P&H to the funds),
    a violation case, a synthetic-performer notice, a strike in force and a request pending."""
    ensure_reference_terms()
    tvth = Agreement.objects.get(code="tvth-2023")
    studio.studio.agreements.add(tvth)
    grant = past_grant(studio.studio, performer.performer, tvth)
    stand_in = synthetic_performer_register(
        studio=studio.studio, name="Vera", description="A fully digital extra", borrowings=[], actor=SYSTEM
    )
    report(
        studio.studio,
        [
            replica_line("L-1", grant, dt.date(2025, 8, 12)),
            # DOMAIN.md's second example, a month later in the rates: 1,246 × 2 days to the union fund.
            LineInput(
                line_ref="L-2",
                kind="synthetic_standin",
                project=PICTURE,
                use_date=dt.date(2025, 8, 20),
                units=Decimal("2"),
                unit="days",
                synthetic_ref=stand_in.public_id,
                agreement_code="tvth-2023",
                role_category="day_performer",
                justification="Crowd scene",
            ),
        ],
    )
    # The run's tasks are scheduled on commit; in a test that never commits they run here.
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.billing_run_start(period=AUGUST, actor=SYSTEM)
    invoice = Invoice.objects.get(studio=studio.studio, period=AUGUST)
    case = violation(studio.studio, line_id="V-1")
    synthetic = Case.objects.get(kind="synthetic_notice")  # opened by the stand-in line
    create_request(other_studio.studio, other_performer.performer, agreement)
    strike = strike_declare(
        agreement=agreement, studios=[other_studio.studio], reason="Talks broke down", actor=SYSTEM
    )
    # 3,738.00 pay + 784.98 P&H (21%), and the stand-in's 2,492.00 + 523.32 contributions to the funds
    assert invoice.total == Decimal("3738.00") + Decimal("784.98") + Decimal("2492.00") + Decimal("523.32")
    _awaiting_staff(studio, other_performer)
    return World(grant=grant, invoice=invoice, violation=case, notice=synthetic, strike=strike, tvth=tvth)


def _awaiting_staff(studio, other_performer) -> None:
    """Records the remaining admin actions act on: a webhook delivery (redeliver) and a pending
    erasure request (carry out, refuse). Stored directly: fixtures, not product writes, and
    sending the delivery is no part of what these tests check."""
    from django.utils import timezone

    from registry.privacy.models import ErasureRequest
    from registry.webhooks.models import WebhookDelivery, WebhookMessage
    from registry.webhooks.services import endpoint_create

    now = timezone.now()
    endpoint, _secret = endpoint_create(
        studio=studio.studio, url="https://hooks.example.com/registry", event_types=["grant.revoked"], actor=SYSTEM
    )
    message = WebhookMessage.objects.create(
        studio=studio.studio, event_type="grant.revoked", payload={"grant": "cgr_x"}, created_at=now
    )
    WebhookDelivery.objects.create(message=message, endpoint=endpoint, created_at=now)
    ErasureRequest.objects.create(
        performer=other_performer.performer,
        requested_at=now,
        requested_by_kind="performer",
        requested_by_id=other_performer.performer.public_id,
    )
