"""Sharing a proof of consent in a real browser, at desktop and phone width: the performer
chooses what to show, gets a link and a QR code, and the recipient's page shows only that."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.consent.factories import grant_for
from tests.e2e.conftest import DESKTOP, PHONE, check_page, sign_in
from tests.e2e.test_portal_flows import with_password
from tests.tokens.conftest import in_term_today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_performer_shares_use_and_project_and_the_recipient_sees_nothing_else(
    new_page, viewport, site, studio, performer, agreement
):
    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    page = new_page(viewport)
    sign_in(page, with_password(performer.user))

    page.goto(f"/portal/consents/{grant.public_id}")
    page.get_by_role("link", name="share a proof showing only what you choose").click()
    expect(page.get_by_role("heading", name="Share a proof of this consent")).to_be_visible()
    expect(page.get_by_label("The use (e.g. voice-only replica)")).to_be_checked()
    expect(page.get_by_label("The fee")).not_to_be_checked()
    check_page(page, "proof-share")
    page.get_by_label("Who it is for").fill("Festival intake desk")
    page.get_by_role("button", name="Make the link").click()

    expect(page.get_by_role("heading", name="Your proof for Festival intake desk")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.get_by_test_id("shown")).to_have_text("The use (e.g. voice-only replica)The project")
    check_page(page, "proof-shared")
    link = page.get_by_label("The link").input_value()

    recipient = new_page(viewport)
    recipient.goto(link)
    expect(recipient.locator(".verdict-title")).to_have_text("In force")
    expect(recipient.get_by_test_id("disclosed")).to_contain_text("The Long Night")
    expect(recipient.get_by_test_id("disclosed")).not_to_contain_text(str(grant.request.compensation_amount))
    expect(recipient.get_by_test_id("hidden")).to_contain_text("Compensation")
    check_page(recipient, "proof-link")
