"""The fast path of a check about today (grant status and open suspensions) answers exactly as
the history path does."""

from __future__ import annotations

import pytest
from django.utils import timezone

from registry.consent import selectors, services
from tests.conftest import SYSTEM
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db


def test_current_candidates_match_the_history(studio, performer, agreement):
    grants = [
        grant_for(studio.studio, performer.performer, agreement, project={"production_number": f"P-{n}"})
        for n in range(5)
    ]
    services.grant_revoke(grant=grants[0], reason="no", actor=SYSTEM)
    services.grant_suspend(grant=grants[1], reason="pause", actor=SYSTEM)
    services.strike_declare(agreement=agreement, studios=[studio.studio], reason="strike", actor=SYSTEM)
    services.grant_suspend(grant=grants[2], reason="pause too", actor=SYSTEM)
    now = timezone.now()

    def answer(current: bool):
        found = selectors.grant_candidates(
            studio_id=studio.studio.pk, performer_id=performer.performer.pk, as_of=now, current=current
        )
        return sorted((c.grant_id, c.status, c.suspension_causes) for c in found)

    assert answer(current=True) == answer(current=False)
    assert {status for _, status, _ in answer(current=True)} == {"revoked", "suspended"}
