"""The registry's public face and its error pages (issue 21 items 4, 5 and 6): a front page
that says what the registry is and where each kind of visitor goes; styled 400, 403, 404, 500
and CSRF pages for the portal, the console and the public pages, in production and in
development, each with a way back; the analyst told what their role can do; the verification
page in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, axe_violations, check_page, sign_in
from tests.e2e.test_portal_flows import with_password
from tests.e2e.test_staff_console import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_front_page_says_what_the_registry_is_and_where_to_go(new_page):
    page = new_page(PHONE)
    page.goto("/")
    expect(page.get_by_role("heading", name="Performer Consent Registry")).to_be_visible()
    expect(page.get_by_text("The union's record of performers' consent to AI uses")).to_be_visible()
    performers = page.locator("section", has=page.get_by_role("heading", name="For performers"))
    expect(performers.get_by_role("link", name="Sign in")).to_have_attribute("href", "/portal/sign-in")
    expect(performers.get_by_role("link", name="Ask to join")).to_have_attribute("href", "/portal/join")
    studios = page.locator("section", has=page.get_by_role("heading", name="For studios"))
    expect(studios.get_by_role("link", name="API documentation")).to_have_attribute("href", "/api/docs/")
    expect(page.get_by_role("link", name="Verify a token")).to_have_attribute("href", "/verify/")
    for gone in ("Service readiness", "OpenAPI schema"):
        expect(page.get_by_text(gone)).to_have_count(0)
    check_page(page, "home")
    landmarks = [v["id"] for v in axe_violations(page) if v["id"] == "region" or v["id"].startswith("landmark")]
    assert landmarks == [], landmarks  # every part of the page in a landmark, each landmark once
    studios.get_by_role("link", name="Integration guide").click()
    expect(page.get_by_role("heading", name="Integration guide for studios")).to_be_visible()
    expect(page.locator("pre.guide")).to_contain_text("Idempotency-Key")
    check_page(page, "integration-guide")

    # The verification page in words: no status codes, no agreement codes in sight.
    page.goto("/verify/")
    page.get_by_label("Consent token").fill("eyJhbGciOiJub25lIn0.e30.")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict-title")).to_have_text("Not a valid token")
    expect(page.locator(".verdict")).to_contain_text("It is signed with an algorithm this registry does not use.")
    expect(page.get_by_text("alg_not_allowed")).to_be_hidden()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_error_pages_are_styled_in_every_area(new_page, settings, debug, performer, analyst):
    settings.ROOT_URLCONF = "tests.e2e.urls_with_errors"
    settings.DEBUG = debug
    page = new_page(DESKTOP)

    def error_page(path: str, status: int, heading: str, back: str, on=None) -> None:
        on = on or page
        response = on.goto(path)
        assert response.status == status, (path, response.status)
        expect(on.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(on.get_by_role("link", name=back)).to_be_visible()
        for debug_page in ("Using the URLconf", "Traceback", "DEBUG = True", "Request Method"):
            expect(on.get_by_text(debug_page)).to_have_count(0)

    error_page("/no-such-page", 404, "Page not found", "Go to the registry's home page")
    check_page(page, f"error-404-public-{'dev' if debug else 'prod'}")
    error_page("/portal/no-such-page", 404, "Page not found", "Go to the portal's home page")
    error_page(
        "/portal/sign-in?next=%00", 400, "The registry could not read that request", "Go to the portal's home page"
    )
    error_page("/fails", 500, "Something went wrong on our side", "Go to the registry's home page")
    check_page(page, f"error-500-{'dev' if debug else 'prod'}")
    error_page("/portal/fails", 500, "Something went wrong on our side", "Go to the registry's home page")
    sign_in(page, with_password(performer.user))
    error_page("/portal/requests/cr_nothing_here", 404, "Page not found", "Go to the portal's home page")

    # A form sent after its security token was lost: the CSRF page, in the portal's frame.
    page.goto("/portal/preferences")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the portal's home page")).to_be_visible()
    check_page(page, f"error-csrf-{'dev' if debug else 'prod'}")

    # The console: an analyst refused an action is told what the role can do.
    staff = new_page(DESKTOP)
    staff_sign_in(staff, analyst.user.username)
    error_page(
        "/admin/consent/strike/declare/", 403, "This action needs a union admin", "Go to the staff dashboard", staff
    )
    expect(staff.get_by_text("As a union analyst you see every list, record and dashboard")).to_be_visible()
    expect(staff.get_by_text("declaring or lifting a strike")).to_be_visible()
    check_page(staff, f"error-403-analyst-{'dev' if debug else 'prod'}")
    error_page("/admin/console/no-such-page/", 404, "Page not found", "Go to the staff dashboard", staff)
