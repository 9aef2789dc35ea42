"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

The browser is started once for this package and stopped when its tests are done. Playwright's
sync API keeps an asyncio loop running while it is started, and Django refuses ORM calls from
a thread with a running loop; DJANGO_ALLOW_ASYNC_UNSAFE is set only while it runs (the test
thread uses the ORM to arrange data and read what the pages did). A session-wide browser (as
pytest-playwright's fixtures are) would keep the loop, and so the override, for every later test.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from tests.conftest import service_missing
from tests.console.conftest import console_world  # noqa: F401 (a fixture the staff console tests use)
from tests.portal.conftest import agent_rep  # noqa: F401 (a fixture the flows use)

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 from npm
ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "artifacts" / "e2e"
PASSWORD = "a-Long-test-passw0rd"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        service_missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt installs it
        service_missing("the playwright package (pip install -r requirements-dev.txt)")
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
    yield browser
    browser.close()
    playwright.stop()
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def site(live_server, settings) -> str:
    """The live server's address, which tokens, status lists and emails then carry."""
    settings.REGISTRY_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(chromium, site):
    """Open a fresh browser context (no cookies) at a viewport; closed after the test."""
    contexts = []

    def open_page(viewport: dict | None = None, **options):
        viewport = viewport or DESKTOP
        if viewport == PHONE:
            options = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2, **options}
        context = chromium.new_context(viewport=viewport, base_url=site, accept_downloads=True, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.viewport_name = "phone" if viewport == PHONE else "desktop"

        # Chromium reports what the Content-Security-Policy refused on the console. A refused
        # load from another origin is the policy doing its job (Redoc reaches for its CDN logo);
        # anything else is a page of ours broken by its own policy.
        def on_console(message) -> None:
            text = message.text
            if "Content Security Policy" in text and not re.search(r"'https?://(?!127\.0\.0\.1|localhost)", text):
                csp_refusals.append(text)

        page.on("console", on_console)
        return page

    csp_refusals: list[str] = []
    yield open_page
    for context in contexts:
        context.close()
    assert csp_refusals == [], f"the pages broke their own Content-Security-Policy: {csp_refusals}"


def snap(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact: var/artifacts/e2e/<name>-<viewport>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{page.viewport_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands, of every impact."""
    # Evaluated through the DevTools protocol, not added as a <script>: the page's CSP allows
    # no inline script, and the check must not need the policy weakened.
    page.evaluate("source => { (0, eval)(source); }", AXE_JS.read_text())
    # No preload: axe would fetch the page's stylesheets and add them back as <style> elements, which
    # the CSP refuses on pages with several stylesheets (the admin's), as it should.
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations'], preload: false})).violations"
    )


def assert_accessible(page, name: str) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    bad = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    detail = "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )
    assert not bad, f"{name}: {detail}"


def overflow(page, *, boxes: bool = True) -> int:
    """How far the page (and with `boxes`, a table in a box that scrolls sideways) runs past the
    room it has, in CSS pixels (0: everything fits). On a phone a wide table may scroll in its box."""
    # Against the window's width as set: a phone's browser widens its layout to the content.
    return page.evaluate(
        """([boxes, width]) => Math.max(0, document.documentElement.scrollWidth - width, window.innerWidth - width,
            ...(boxes ? [...document.querySelectorAll('#changelist .results, .scroll-x')] : [])
                .map(e => e.scrollWidth - e.clientWidth))""",
        [boxes, page.viewport_size["width"]],
    )


def check_page(page, name: str) -> None:
    """Every main page: a screenshot to look at, and the accessibility check."""
    snap(page, name)
    assert_accessible(page, name)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/portal/sign-in")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@dataclass
class Person:
    user: object
    username: str


def make_login(username: str, **fields) -> Person:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    return Person(user=user, username=username)


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
