"""The staff dashboard: who may open it, and that each panel and chart shows the registry's figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from tests.console.conftest import signed_in

pytestmark = pytest.mark.django_db

URL = "/admin/console/"


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_staff_see_every_panel(console_world, console_clients, who):
    response = console_clients[who].get(URL, {"until": "2025-12"})

    assert response.status_code == 200
    body = response.text
    assert "Staff dashboard" in body
    data = response.context["data"]
    assert data.requests["total"] == 1
    assert (data.cases["violations"], data.cases["synthetic"]) == (1, 1)
    assert [s.public_id for s in data.strikes] == [console_world.strike.public_id]
    assert console_world.violation.public_id in body and console_world.notice.public_id in body
    # The invoice sends the funds 784.98 P&H and the stand-in's 2,492.00 + 523.32 contributions:
    # 3,800.30, split once for the document, 1,900.15 each.
    assert [(f["fund"], f["balance"]) for f in data.funds] == [
        ("health_plan", Decimal("1900.15")),
        ("pension_plan", Decimal("1900.15")),
    ]
    assert data.runs[0].get_status_display() in body
    # The invoice was finalized today, so all 7,538.30 USD is in the youngest bucket.
    assert data.invoices["rows"][0]["cells"] == [{"count": 1, "amount": console_world.invoice.total}]
    assert "7,538.30 (1)" in body


def test_charts_are_inline_svg_with_the_months_figures(console_world, console_clients):
    body = console_clients["admin"].get(URL, {"until": "2025-12"}).text

    assert 'id="chart-fund-health_plan-usd"' in body
    # the health plan's half of 3,800.30: P&H on the replica use, the stand-in's royalty and contributions
    assert "August 2025: 1,900.15 USD" in body
    assert 'id="chart-synthetic-days"' in body
    assert "August 2025: 2 days" in body
    assert "January 2025" in body and "December 2025" in body  # twelve months ending with `until`
    assert "<script" not in body.split("<body")[1].split("</svg>")[0]  # no script, no library


def test_only_the_union_admin_is_offered_to_declare_a_strike(console_world, console_clients):
    assert "Declare a strike</a>" in console_clients["admin"].get(URL).text
    assert "Declare a strike</a>" not in console_clients["analyst"].get(URL).text


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_are_sent_to_the_staff_sign_in(console_world, console_clients, who):
    response = console_clients[who].get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/admin/console/")


def test_staff_flag_without_a_union_role_is_refused(db):
    user = get_user_model().objects.create_user("stray", password="pw-for-tests-1", is_staff=True)

    response = signed_in(user).get(URL)

    assert response.status_code == 403


def test_a_bad_month_is_a_form_error_and_the_page_still_shows(console_world, console_clients):
    response = console_clients["admin"].get(URL, {"until": "2025-13"})

    assert response.status_code == 400
    assert "is not a month written YYYY-MM" in response.text
    assert "Requests awaiting an answer" in response.text


@pytest.mark.parametrize("until", ["9999-12", "0001-01", "2025-W33"])
def test_a_month_outside_the_accepted_dates_is_a_form_error_not_a_500(console_world, console_clients, until):
    response = console_clients["admin"].get(URL, {"until": until})

    assert response.status_code == 400
    assert "Requests awaiting an answer" in response.text


def test_an_empty_registry_shows_empty_panels(console_clients):
    response = console_clients["analyst"].get(URL)

    assert response.status_code == 200
    assert "Nothing outstanding." in response.text
    assert "No run yet." in response.text
    assert response.context["data"].grants["total"] == 0


def test_the_admin_index_links_to_the_console(console_clients):
    body = console_clients["analyst"].get("/admin/").text

    assert 'href="/admin/console/"' in body
    assert 'href="/admin/console/exports/"' in body
    assert 'href="/admin/console/audit/verify/"' in body
