"""A consent accepted while a strike is being lifted: it waits for the lift, then starts active,
and the two cannot deadlock (the acceptance locks the strike before the audit log's lock, in
the order the lift takes them)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from registry.audit.services import AUDIT_APPEND_LOCK_ID
from registry.consent import services
from registry.consent.models import ConsentRequest, Suspension
from tests.conftest import SYSTEM, second_postgres_connection
from tests.consent.factories import accept, create_request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_acceptance_during_a_lift_waits_for_it_and_starts_active(require_postgres, studio, performer, agreement):
    # The request predates the strike (rule 2.10 refuses new ones during it).
    request = create_request(
        studio.studio, performer.performer, agreement, description={"term_start": timezone.localdate().isoformat()}
    )
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Contract talks failed", actor=SYSTEM
    )
    outcome: dict = {}

    def accept_it() -> None:
        try:
            outcome["grant"] = accept(ConsentRequest.objects.get(pk=request.pk))
        except Exception as exc:  # reported below
            outcome["error"] = exc
        finally:
            connection.close()

    with second_postgres_connection() as lift:
        lift.execute("SET lock_timeout = '10s'")
        # What strike_lift takes first: the strike's row.
        lift.execute("SELECT id FROM consent_strike WHERE id = %s FOR UPDATE", [strike.pk])
        thread = threading.Thread(target=accept_it)
        thread.start()
        thread.join(timeout=1.5)
        waited = thread.is_alive()
        # Then it writes the lift and appends to the audit log, as strike_lift does.
        lift.execute("UPDATE consent_strike SET lifted_at = now(), lifted_by = 'a lift' WHERE id = %s", [strike.pk])
        lift.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_APPEND_LOCK_ID])
        lift.commit()
    thread.join(timeout=30)

    assert "error" not in outcome, outcome.get("error")
    grant = outcome["grant"]
    grant.refresh_from_db()
    assert waited, "the acceptance did not wait for the lift in progress"
    assert grant.status == "active"
    assert not Suspension.objects.filter(grant=grant).exists()
