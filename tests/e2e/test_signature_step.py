"""The signature step on a phone (issue 21 items 1 and 2): a refused signature is summarised at
the top, the summary takes focus and leads to the field, and what was typed stays; the answer
is post/redirect/get, so reloading or opening /accept or /decline shows the review page; and a
person whose session ended mid-signature signs in again and finds the page as they left it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registry.consent.models import Signature
from tests.e2e.conftest import PASSWORD, PHONE, check_page, sign_in
from tests.e2e.test_portal_flows import studio_requests_consent, with_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_signature_step_keeps_its_place_and_what_was_typed(new_page, site, studio, performer, agreement):
    request_id = studio_requests_consent(site, studio.secret, performer.performer, agreement)
    review = f"/portal/requests/{request_id}"
    page = new_page(PHONE)
    sign_in(page, with_password(performer.user))
    page.goto(review)
    name = page.get_by_label("Type your full name to sign")
    name.fill("Maya Okafr")
    page.get_by_role("button", name="Sign and accept").click()  # a wrong name, and the box left unticked

    # The summary is at the top, has focus, and names each problem in words with a link to it.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    wrong_name = summary.get_by_role("link", name="Type your full name as it is on record: Maya Okafor.")
    expect(wrong_name).to_be_visible()
    expect(
        summary.get_by_role(
            "link", name="Tick the box to confirm you have read the description and consent to this use."
        )
    ).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(review) + "$"))  # post/redirect/get
    expect(name).to_have_value("Maya Okafr")
    check_page(page, "request-error")
    wrong_name.click()
    expect(name).to_be_focused()
    expect(name).to_be_in_viewport()

    # Reloading, or opening the answer addresses, shows the review page with what was typed.
    page.reload()
    expect(name).to_have_value("Maya Okafr")
    for answer in ("accept", "decline"):
        response = page.goto(f"{review}/{answer}")
        assert response.ok, response.status
        expect(page).to_have_url(re.compile(re.escape(review) + "$"))
        expect(page.get_by_role("heading", name="Northlight Pictures asks for consent")).to_be_visible()

    # The session ends while the signature is typed: signing in again brings it back.
    name.fill("Maya Okafor")
    page.get_by_label("I have read the whole description").check()
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You were signed out before your answer was sent")).to_be_visible()
    page.get_by_label("Email or username").fill(performer.user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(review) + "$"))
    expect(page.locator("#restored-note")).to_be_visible()
    expect(name).to_have_value("Maya Okafor")
    expect(page.get_by_label("I have read the whole description")).to_be_checked()
    assert not Signature.objects.exists()  # nothing was sent on the person's behalf
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_text("You signed.")).to_be_visible()
    assert Signature.objects.get().signer_name == "Maya Okafor"
