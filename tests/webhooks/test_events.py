"""Every event the issue names is emitted by the service that makes the change, in its
transaction, with the payload a studio needs to act on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from registry.billing import services as billing_services
from registry.billing.models import Invoice
from registry.consent import services as consent_services
from registry.core.vocabulary.webhooks import EventType
from registry.terms.models import Agreement
from registry.tokens import services as token_services
from registry.webhooks import services
from registry.webhooks.models import WebhookMessage
from tests.billing.conftest import ensure_reference_terms, past_grant, replica_line, report
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import accept, create_request, grant_for, run_strike_jobs

pytestmark = pytest.mark.django_db


def _events(studio) -> list[tuple[str, dict]]:
    return [(m.event_type, m.payload["data"]) for m in WebhookMessage.objects.filter(studio=studio).order_by("id")]


def _types(studio) -> list[str]:
    return [t for t, _ in _events(studio)]


@pytest.fixture
def subscribed(studio, receiver, allow_loopback):
    services.endpoint_create(studio=studio.studio, url=receiver.url, event_types=list(EventType.values), actor=SYSTEM)
    return studio


def test_accepting_a_request_announces_the_answer_and_the_grant(subscribed, performer, agreement):
    grant = grant_for(subscribed.studio, performer.performer, agreement)

    events = _events(subscribed.studio)
    assert [t for t, _ in events] == ["grant.activated", "consent_request.answered"]
    assert events[0][1]["grant"] == grant.public_id and events[0][1]["status"] == "active"
    answered = events[1][1]
    assert (answered["request"], answered["status"], answered["grant"]) == (
        grant.request.public_id,
        "accepted",
        grant.public_id,
    )


def test_declining_a_request_announces_the_answer(subscribed, performer, agreement):
    request = create_request(subscribed.studio, performer.performer, agreement)
    consent_services.consent_request_decline(
        request=request, reason="Not this role", acting_user=login_of(request.performer)
    )

    [(event, data)] = _events(subscribed.studio)
    assert event == "consent_request.answered"
    assert (data["status"], data["grant"], data["decline_reason"]) == ("declined", None, "Not this role")


def test_grant_lifecycle_events(subscribed, performer, agreement):
    grant = grant_for(subscribed.studio, performer.performer, agreement)
    consent_services.grant_suspend(grant=grant, reason="pause", acting_user=login_of(grant.performer))
    consent_services.grant_resume(grant=grant, acting_user=login_of(grant.performer))
    amended = accept(create_request(subscribed.studio, performer.performer, agreement, amends_grant=grant))
    consent_services.grant_revoke(grant=amended, reason="no more", acting_user=login_of(amended.performer))

    assert _types(subscribed.studio) == [
        "grant.activated",
        "consent_request.answered",
        "grant.suspended",
        "grant.resumed",
        "grant.amended",
        "consent_request.answered",
        "grant.revoked",
    ]
    amended_data = _events(subscribed.studio)[4][1]
    assert (amended_data["grant"], amended_data["supersedes"], amended_data["version"]) == (
        amended.public_id,
        grant.public_id,
        2,
    )


def test_expiry_is_announced(subscribed, performer, agreement):
    grant = grant_for(subscribed.studio, performer.performer, agreement)
    after_term = dt.datetime.combine(grant.term_end + dt.timedelta(days=2), dt.time(12), tzinfo=dt.UTC)
    consent_services.grants_expire_due(now=after_term)
    assert _types(subscribed.studio)[-1] == "grant.expired"


def test_strikes_are_announced_to_each_studio_they_name(subscribed, other_studio, performer, agreement, receiver):
    services.endpoint_create(
        studio=other_studio.studio, url=receiver.url, event_types=["strike.declared"], actor=SYSTEM
    )
    grant = grant_for(subscribed.studio, performer.performer, agreement)
    strike = consent_services.strike_declare(
        agreement=agreement, studios=[subscribed.studio, other_studio.studio], reason="Contract talks", actor=SYSTEM
    )
    run_strike_jobs(strike)
    consent_services.strike_lift(strike=strike, actor=SYSTEM)
    run_strike_jobs(strike)

    types = _types(subscribed.studio)
    # A strike's grants are announced in batches, one event per studio and batch.
    assert types[2:] == ["strike.declared", "strike.grants_suspended", "strike.lifted", "strike.grants_restored"]
    suspended, restored = _events(subscribed.studio)[3][1], _events(subscribed.studio)[5][1]
    assert (suspended["strike"], suspended["grants"], suspended["count"]) == (strike.public_id, [grant.public_id], 1)
    assert (restored["status"], restored["grants"]) == ("active", [grant.public_id])
    assert _types(other_studio.studio) == ["strike.declared"]  # subscribed to that only
    assert _events(other_studio.studio)[0][1]["strike"] == strike.public_id


def test_strike_batches_reach_endpoints_subscribed_to_the_per_grant_events(
    studio, receiver, allow_loopback, performer, agreement
):
    # An endpoint set up before strikes came in batches listens to grant.suspended and grant.resumed.
    services.endpoint_create(
        studio=studio.studio, url=receiver.url, event_types=["grant.suspended", "grant.resumed"], actor=SYSTEM
    )
    grant = grant_for(studio.studio, performer.performer, agreement)
    strike = consent_services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Contract talks", actor=SYSTEM
    )
    run_strike_jobs(strike)
    consent_services.strike_lift(strike=strike, actor=SYSTEM)
    run_strike_jobs(strike)

    assert _types(studio.studio) == ["strike.grants_suspended", "strike.grants_restored"]
    assert [data["grants"] for _, data in _events(studio.studio)] == [[grant.public_id], [grant.public_id]]


def test_token_reissue_is_announced(subscribed, performer, agreement):
    grant = grant_for(subscribed.studio, performer.performer, agreement)
    kid = grant.tokens.get().signing_key.kid
    token_services.signing_key_compromise(kid=kid, actor=SYSTEM)

    event, data = _events(subscribed.studio)[-1]
    assert event == "token.reissued"
    assert (data["grant"], data["old_kid"]) == (grant.public_id, kid)
    assert data["new_kid"] != kid


def test_usage_reports_violations_and_invoices_are_announced(
    subscribed, performer, django_capture_on_commit_callbacks
):
    ensure_reference_terms()
    tvth = Agreement.objects.get(code="tvth-2023")
    subscribed.studio.agreements.add(tvth)
    grant = past_grant(subscribed.studio, performer.performer, tvth)
    consent_services.grant_revoke(grant=grant, reason="no", acting_user=login_of(grant.performer), now=timezone.now())
    # One line before the revocation (billed) and one outside the grant's term (a violation).
    report(
        subscribed.studio,
        [replica_line("L-1", grant, dt.date(2025, 8, 12)), replica_line("L-2", grant, dt.date(2027, 1, 5))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.billing_run_start(period=dt.date(2025, 8, 1), actor=SYSTEM)
    invoice = Invoice.objects.get(studio=subscribed.studio)
    billing_services.invoice_mark_paid(invoice=invoice, actor=SYSTEM)

    events = dict(_events(subscribed.studio)[-4:])
    assert list(events) == ["violation.opened", "usage_report.processed", "invoice.finalized", "invoice.paid"]
    assert events["usage_report.processed"]["lines"] == 2
    assert events["usage_report.processed"]["violations"] == 1
    assert events["violation.opened"]["performer"] == performer.performer.public_id
    assert events["invoice.finalized"]["number"] == invoice.number
    assert events["invoice.paid"]["status"] == "paid"
    assert events["invoice.paid"]["total"] == "4522.98"  # 3,738.00 + P&H 21% 784.98


def test_lines_a_run_cannot_price_are_announced_once(subscribed, performer, django_capture_on_commit_callbacks):
    """A gap that appears after the report (a rate's period ended early): the run marks the line
    unrateable and tells the studio, once, with the reason."""
    from registry.terms.models import RateCard
    from registry.terms.services import rate_card_close

    ensure_reference_terms()
    tvth = Agreement.objects.get(code="tvth-2023")
    subscribed.studio.agreements.add(tvth)
    grant = past_grant(subscribed.studio, performer.performer, tvth)
    report(subscribed.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    row = RateCard.objects.get(agreement=tvth, role_category="day_performer", effective_from=dt.date(2025, 7, 1))
    rate_card_close(row=row, effective_to=dt.date(2025, 8, 1), actor=SYSTEM)
    for period in (dt.date(2025, 8, 1), dt.date(2025, 9, 1)):
        with django_capture_on_commit_callbacks(execute=True):
            billing_services.billing_run_start(period=period, actor=SYSTEM)
    unrateable = [data for kind, data in _events(subscribed.studio) if kind == "usage_lines.unrateable"]
    assert len(unrateable) == 1
    assert unrateable[0]["count"] == 1
    assert unrateable[0]["lines"][0]["line_id"] == "L-1"
    assert "no day_performer rate per day in force on 2025-08-12" in unrateable[0]["lines"][0]["reason"]
