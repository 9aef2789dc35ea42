"""Words for people, on the demo's data (issue 21 items 3, 7, 8 and 9): one status vocabulary in
the portal and on the public page; each role (performer, guardian, agent, lawyer, estate) is
told who acts and for whom, in the right person; identifiers and hashes behind "Technical
details"; the violation case shown to the performer it concerns; erasure asked in the portal,
with the refusal in words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registry.consent import services
from registry.consent.models import ConsentGrant
from registry.demo.data import DEMO_PASSWORD, load_demo
from registry.privacy.models import ErasureRequest
from tests.billing.conftest import ensure_reference_terms
from tests.conftest import SYSTEM
from tests.e2e.conftest import DESKTOP, PHONE, check_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def signed_in(new_page, username: str, viewport=DESKTOP):
    page = new_page(viewport)
    page.goto("/portal/sign-in")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()
    return page


def body_text(page) -> str:
    return page.locator("body").inner_text()


def test_every_role_reads_its_own_words(new_page):
    ensure_reference_terms()
    load_demo()
    future = ConsentGrant.objects.get(project_title="Skyline Racers", status="active")
    start = f"{future.term_start.day} {future.term_start:%b %Y}"

    # The performer: one vocabulary for a consent's state, here and on the public page.
    maya = signed_in(new_page, "maya")
    live = maya.locator("#live-heading").locator("..")
    expect(live.get_by_text(f"Signed, starts {start}")).to_be_visible()
    expect(live.get_by_text("In force", exact=True)).to_be_visible()
    maya.goto("/portal/consents")
    expect(maya.get_by_text("Ended", exact=True).first).to_be_visible()
    expect(maya.get_by_text("Revoked", exact=True)).to_be_visible()
    maya.goto(f"/verify/{future.public_id}")
    expect(maya.locator(".verdict-title")).to_have_text(f"Signed, starts {start}")

    # A strike suspends it: "Suspended (strike)" in the portal and on the public page.
    services.strike_declare(agreement=future.agreement, studios=[future.studio], reason="Walkout", actor=SYSTEM)
    maya.goto(f"/portal/consents/{future.public_id}")
    expect(maya.locator(".badge").first).to_have_text("Suspended (strike)")
    # No identifier in the tab title; the fingerprint and the token behind Technical details.
    expect(maya).to_have_title(re.compile(r"^Consent: Pixelforge Games, Voice-only replica"))
    expect(maya.get_by_text(future.description_sha256)).to_be_hidden()
    maya.get_by_text("Technical details").click()
    expect(maya.get_by_text(future.description_sha256)).to_be_visible()
    check_page(maya, "words-consent-strike")
    maya.goto(f"/verify/{future.public_id}")
    expect(maya.locator(".verdict-title")).to_have_text("Suspended (strike)")

    # The violation case about Maya, in words.
    maya.goto("/portal/cases")
    maya.locator(".item-title").first.click()
    expect(maya.get_by_text("The studio reported a use outside what your consent describes.")).to_be_visible()
    for fact in ("Northlight Pictures", "Replica use", "Open: union staff will take it up"):
        expect(maya.locator("#main").get_by_text(fact).first).to_be_visible()
    check_page(maya, "words-case")

    # Erasure asked while the data must be kept: refused, each reason in words, nothing stored.
    maya.goto("/portal/your-data")
    maya.get_by_role("button", name="Ask for erasure").click()
    expect(maya.locator("#error-summary")).to_contain_text("Tick the box to confirm you ask for erasure.")
    maya.get_by_label("I ask for your personal data to be erased").check()
    maya.get_by_role("button", name="Ask for erasure").click()
    summary = maya.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Erasure is not possible yet")
    expect(summary).to_contain_text("Consents are still in force or suspended.")
    expect(summary).to_contain_text("A case about a use of your work is still open")
    expect(summary).not_to_contain_text("cgr_")
    check_page(maya, "words-erasure-refused")
    assert not ErasureRequest.objects.exists()

    # The guardian: Sam's pages, in Sam's name.
    guardian = signed_in(new_page, "guardian", PHONE)
    expect(guardian.get_by_text("You act for Sam Rivera as their guardian")).to_be_visible()
    expect(
        guardian.locator("#pending-heading").locator("..").get_by_text("Waiting for your answer").last
    ).to_be_visible()
    for path in ("/portal/", "/portal/preferences", "/portal/activity", "/portal/your-data"):
        guardian.goto(path)
        text = body_text(guardian)
        for wrong in ("My activity", "data about you", "on my work", "about me", "for me", "Awaiting the performer"):
            assert wrong not in text, f"{path} says {wrong!r} to a guardian"
    guardian.goto("/portal/preferences")
    expect(guardian.get_by_label(re.compile("train an AI model on Sam Rivera's work"))).to_be_visible()
    expect(guardian.get_by_role("heading", name="Who may act for Sam Rivera")).to_be_visible()
    check_page(guardian, "words-guardian-preferences")
    guardian.goto("/portal/activity")
    expect(guardian.get_by_text("Everything the registry recorded about Sam Rivera")).to_be_visible()

    # The estate: the request is theirs to answer; who acts is recorded by union staff.
    estate = signed_in(new_page, "estate")
    expect(estate.locator("#pending-heading").locator("..").locator(".badge").first).to_have_text(
        "Waiting for your answer"
    )
    estate.goto("/portal/preferences")
    expect(
        estate.get_by_text("As Harold Vance's estate executor you cannot give or end anyone's authority")
    ).to_be_visible()
    assert "Only the performer" not in body_text(estate)

    # The agent acts commercially: no privacy rights; the lawyer has them.
    agent = signed_in(new_page, "agent")
    agent.goto("/portal/your-data")
    expect(agent.get_by_text("An agent's authority is commercial")).to_be_visible()
    expect(agent.get_by_role("button", name="Ask for erasure")).to_have_count(0)
    lawyer = signed_in(new_page, "lawyer")
    lawyer.goto("/portal/your-data")
    expect(lawyer.get_by_role("heading", name="Maya Okafor's data")).to_be_visible()
    expect(lawyer.get_by_label("I ask for Maya Okafor's personal data to be erased")).to_be_visible()
