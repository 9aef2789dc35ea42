"""Personal exports, token files and CSV/PDF documents are served `Cache-Control: no-store`, so
no browser cache or proxy keeps a copy: every such URL is fetched and its header read, and every
view of ours that serves a file is found by walking the URL configuration."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from registry.billing import services as billing_services
from registry.billing.models import Invoice
from tests.billing.conftest import ensure_reference_terms, past_grant, replica_line, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

AUGUST = "period=2025-08"
CONSOLE_EXPORTS = ["grants", "usage", "invoices", "ledger", "statements", "remittance"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def downloads(studio, performer, staff, django_capture_on_commit_callbacks):
    """Each download URL with a caller allowed to fetch it."""
    from registry.terms.models import Agreement

    ensure_reference_terms()
    tvth = Agreement.objects.get(code="tvth-2023")
    studio.studio.agreements.add(tvth)
    grant = past_grant(studio.studio, performer.performer, tvth)
    report(studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.billing_run_start(period=dt.date(2025, 8, 1), actor=SYSTEM)
    invoice = Invoice.objects.get()
    owner, staff_client = signed_in(performer.user), signed_in(staff.user)
    me = performer.performer.public_id
    return {
        "api token": (studio.client, f"/api/v1/grants/{grant.public_id}/token"),
        "api token file": (studio.client, f"/api/v1/grants/{grant.public_id}/token?download=1"),
        "api export": (performer.client, f"/api/v1/performers/{me}/export"),
        "api export file": (performer.client, f"/api/v1/performers/{me}/export?download=1"),
        "api invoice pdf": (studio.client, f"/api/v1/invoices/{invoice.public_id}/pdf"),
        "portal token file": (owner, f"/portal/consents/{grant.public_id}/token.jwt"),
        "portal statement csv": (owner, f"/portal/earnings/statement.csv?{AUGUST}"),
        "portal statement pdf": (owner, f"/portal/earnings/statement.pdf?{AUGUST}"),
        **{
            f"console {kind}": (staff_client, f"/admin/console/exports/{kind}.csv?start=2025-08-01&end=2025-08-31")
            for kind in CONSOLE_EXPORTS
        },
    }


def test_every_download_and_export_is_no_store(downloads):
    served = {}
    for name, (client, url) in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        served[name] = response.get("Cache-Control", "")

    assert {name: "no-store" in value and "private" in value for name, value in served.items()} == dict.fromkeys(
        downloads, True
    )


def test_a_token_answered_from_its_etag_is_no_store_too(downloads):
    client, url = downloads["api token"]
    etag = client.get(url)["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert "no-store" in again["Cache-Control"]


def _our_views(patterns=None, prefix=""):
    """(route, view function) for every URL of ours; class views give each handler method."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _our_views(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        assert isinstance(pattern, URLPattern)
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        route = prefix + str(pattern.pattern)
        if view_class is not None:
            for method in ("get", "post"):
                handler = getattr(view_class, method, None)
                if handler is not None:
                    yield route, handler
        else:
            yield route, callback


def test_every_view_of_ours_that_serves_a_file_is_marked_no_store():
    serving_files = {}
    for route, view in _our_views():
        original = inspect.unwrap(view)
        if not original.__module__.startswith("registry."):
            continue
        if "Content-Disposition" in inspect.getsource(original):
            serving_files[route] = getattr(view, "no_store", False)

    # The API's token, export and invoice PDF; the portal's token and statement; the console's exports.
    assert len(serving_files) >= 6, serving_files
    assert [route for route, marked in serving_files.items() if not marked] == []
