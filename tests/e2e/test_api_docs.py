"""The API documentation pages render in a real browser under the Content-Security-Policy, with
every asset from this server (no CDN)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_operations(new_page, site):
    page = new_page()
    outside = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(("http://", "https://"))
            and not request.url.startswith(site)
            and outside.append(request.url)
        ),
    )
    page.goto("/api/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/consent-checks/").first.wait_for()
    assert outside == []


def test_redoc_renders_the_operations(new_page, site):
    page = new_page()
    outside = []
    page.on(
        "request",
        lambda request: (
            request.url.startswith(("http://", "https://"))
            and not request.url.startswith(site)
            and outside.append(request.url)
        ),
    )
    page.goto("/api/redoc/")
    page.locator("h2", has_text="Check whether a use is covered").first.wait_for(state="attached")
    # Redoc asks for its logo on its CDN; the policy refuses it, so nothing leaves this server.
    assert [url for url in outside if not url.startswith("https://cdn.redoc.ly/")] == []
