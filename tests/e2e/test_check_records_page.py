"""The performer's page of checks by studios (DOMAIN.md 2.14) in a real browser, at desktop and
phone width: what the studio asked, the answer, a screenshot and the accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.consent import check_log
from tests.consent.factories import grant_for
from tests.e2e.conftest import DESKTOP, PHONE, check_page, overflow, sign_in
from tests.e2e.test_portal_flows import with_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_performer_reads_which_studio_checked_what(new_page, viewport, studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    for territory in (["US"], ["FR"]):
        body = {
            "performer": performer.performer.public_id,
            "use": "replica_use",
            "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
            "on": grant.term_start.isoformat(),
            "media": ["streaming"],
            "territory": territory,
            "role": "Ana Reyes",
        }
        assert studio.client.post("/api/v1/consent-checks/", body, format="json").status_code == 200
    check_log.check_log_flush()
    page = new_page(viewport)
    sign_in(page, with_password(performer.user))

    page.goto("/portal/checks")

    expect(page.get_by_role("heading", name="Checks by studios")).to_be_visible()
    expect(page.get_by_text("Not covered")).to_be_visible()
    expect(page.get_by_role("link", name="your consent")).to_be_visible()
    assert overflow(page) == 0
    check_page(page, "checks")
