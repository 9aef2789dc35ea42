"""My activity and the dashboard: only what concerns the performers the caller acts for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.consent import services
from tests.conftest import login_of
from tests.consent.factories import create_request

pytestmark = pytest.mark.django_db


def test_activity_lists_the_events_about_me_newest_first(owner, grant):
    services.grant_suspend(grant=grant, reason="pause", acting_user=login_of(grant.performer))
    page = owner.get(reverse("portal:activity")).content.decode()
    assert page.index("A consent was suspended") < page.index("A consent was signed and recorded")
    assert page.index("A consent was signed and recorded") < page.index("A studio asked for consent")
    assert f'href="/portal/consents/{grant.public_id}"' in page


def test_activity_never_shows_another_performers_events(owner, other_performer, studio, agreement, performer):
    theirs = create_request(studio.studio, other_performer.performer, agreement)
    page = owner.get(reverse("portal:activity")).content.decode()
    assert theirs.public_id not in page
    assert "Nothing recorded yet." in page


def test_an_agent_sees_the_performers_activity(agent, pending_request, performer):
    page = agent.get(reverse("portal:activity"), {"for": performer.performer.public_id}).content.decode()
    assert "A studio asked for consent" in page and pending_request.public_id in page


def test_activity_pages_past_25_entries(owner, grant):
    for _ in range(15):
        services.grant_suspend(grant=grant, reason="pause", acting_user=login_of(grant.performer))
        services.grant_resume(grant=grant, acting_user=login_of(grant.performer))
    first = owner.get(reverse("portal:activity")).content.decode()
    assert "Page 1 of 2" in first and "?page=2" in first
    assert owner.get(reverse("portal:activity"), {"page": "999"}).status_code == 200
    assert owner.get(reverse("portal:activity"), {"page": "not-a-number"}).status_code == 200


def test_the_dashboard_counts_pending_requests_and_live_consents(owner, pending_request, grant):
    page = owner.get(reverse("portal:dashboard")).content.decode()
    assert 'aria-label="1 request">1</span>' in page
    assert 'Current consents <span class="count" aria-label="1 consent">1</span>' in page
    assert "Your earnings in" in page and "No pay on issued invoices in" in page


def test_the_dashboard_of_a_guardian_names_whom_they_act_for(minor_with_guardian, studio, agreement):
    from tests.portal.conftest import client_for

    create_request(studio.studio, minor_with_guardian.performer, agreement)
    page = client_for(minor_with_guardian.user).get(reverse("portal:dashboard")).content.decode()
    assert "You act for <strong>Sam Rivera</strong> as their guardian" in page
    assert "for Sam Rivera" in page
