"""The portal's controls (issue 21 item 10) on a phone: disclosures that look like something to
open, chart labels that can be read, "Do not train" said once, a revoke that says its reason is
required before refusing it, checkbox errors in words, and a password the validators refuse
reported under the password, not under its confirmation."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, check_page, sign_in
from tests.e2e.test_portal_flows import with_password
from tests.e2e.test_portal_pages import bill_august

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARKER = """s => {
  const before = getComputedStyle(s, '::before');
  return {content: before.content, width: parseFloat(before.borderLeftWidth) + parseFloat(before.width || 0)};
}"""


def test_controls_say_what_they_do(new_page, studio, performer, agreement):
    from tests.consent.factories import grant_for

    bill_august(studio.studio, performer.performer)
    grant = grant_for(studio.studio, performer.performer, agreement)
    page = new_page(PHONE)
    sign_in(page, with_password(performer.user))

    # A disclosure has a marker; the chart's labels are at least 11 px on a phone.
    page.goto("/portal/earnings?period=2025-08")
    summary = page.locator("summary", has_text="The numbers, month by month")
    marker = summary.evaluate(MARKER)
    assert marker["content"] not in ("none", "normal") and marker["width"] >= 5, marker
    labels = page.locator("svg.chart text")
    heights = labels.evaluate_all("ts => ts.map(t => t.getBoundingClientRect().height)")
    assert heights and min(heights) >= 11, f"chart labels {min(heights):.1f} px tall on a phone"
    expect(page.locator("svg.chart text.value", has_text="3,738 USD")).to_be_visible()

    # "Do not train" once, not again as "Training an AI model" among the declined uses.
    page.goto("/portal/preferences")
    expect(page.get_by_label("Do not train", exact=False)).to_have_count(1)
    expect(page.get_by_label("Training an AI model")).to_have_count(0)
    preferences_summary = page.locator("summary", has_text="Authorise an agent or a lawyer")
    assert preferences_summary.evaluate(MARKER)["content"] not in ("none", "normal")

    # Revoking says its reason is required before anyone is refused for leaving it out; a box
    # left unticked is an error in words.
    page.goto(f"/portal/consents/{grant.public_id}/revoke")
    expect(page.get_by_label("Reason (required)")).to_be_visible()
    page.get_by_role("button", name="Revoke consent").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Give a reason for revoking: it is required, and the studio sees it.")
    expect(summary).to_contain_text("Tick the box to confirm you understand the effect.")
    expect(page.get_by_text("This field is required.")).to_have_count(0)
    check_page(page, "revoke-errors")

    # A password too like the username is refused under the password itself.
    user = performer.user
    user.refresh_from_db()  # signing in changed its last sign-in, which the reset token covers
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    link = f"/portal/password-reset/{uid}/{token}"
    fresh = new_page(PHONE)
    fresh.goto(link)
    similar = f"{user.get_username()}1"
    fresh.get_by_label("New password", exact=True).fill(similar)
    fresh.get_by_label("New password confirmation").fill(similar)
    fresh.get_by_role("button", name="Save the new password").click()
    expect(fresh.locator("#id_new_password1_error")).to_contain_text("too similar")
    expect(fresh.locator("#id_new_password2_error")).to_have_count(0)
