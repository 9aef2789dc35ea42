"""CSV exports: streamed, staff only (analysts included), bad dates a form error, cells safe."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from registry.billing.models import Posting
from registry.console.forms import previous_month
from registry.console.selectors import INVOICE_COLUMNS
from registry.parties.models import Studio

pytestmark = pytest.mark.django_db

AUGUST = {"start": "2025-08-01", "end": "2025-08-31"}


def rows_of(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def export(client, kind: str, **params):
    return client.get(f"/admin/console/exports/{kind}.csv", {**AUGUST, **params})


@pytest.mark.parametrize("who", ["admin", "analyst"])
@pytest.mark.parametrize("kind", ["grants", "usage", "invoices", "ledger", "statements", "remittance"])
def test_staff_download_every_export(console_world, console_clients, who, kind):
    # The grant was signed on 1 July 2025; the ledger entries were posted when the run finished.
    today = timezone.localdate()
    params = {"grants": {"start": "2025-07-01"}, "ledger": {"start": today, "end": today}}.get(kind, {})

    response = export(console_clients[who], kind, **params)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{kind}-')
    assert len(rows_of(response)) > 1


def test_grants_usage_and_invoices_hold_the_periods_records(console_world, console_clients):
    client = console_clients["admin"]
    grants = rows_of(export(client, "grants", start="2025-07-01"))
    usage = rows_of(export(client, "usage"))
    invoices = rows_of(export(client, "invoices"))

    assert grants[0][:4] == ["grant", "lineage", "version", "status"]
    assert [r[0] for r in grants[1:]] == [console_world.grant.public_id]
    assert sorted(r[0] for r in usage[1:]) == ["L-1", "L-2"]
    assert invoices[1][0] == console_world.invoice.number
    assert invoices[1][10] == "7538.30"


def test_ledger_postings_balance_per_entry(console_world, console_clients):
    today = timezone.localdate()
    rows = rows_of(export(console_clients["admin"], "ledger", start=today, end=today))
    header, body = rows[0], rows[1:]

    assert header == [
        "entry",
        "posted_at",
        "memo",
        "document",
        "account",
        "account_kind",
        "amount",
        "currency",
        "posted_by",
    ]
    assert len(body) == Posting.objects.count()
    by_entry: dict[str, Decimal] = {}
    for row in body:
        by_entry[row[0]] = by_entry.get(row[0], Decimal(0)) + Decimal(row[6])
    assert set(by_entry.values()) == {Decimal("0.00")}


def test_statements_list_each_performers_pay(console_world, console_clients):
    rows = rows_of(export(console_clients["analyst"], "statements"))

    assert rows[1][1:4] == ["SAG-1", "Maya Okafor", "2025-08"]
    assert rows[1][9:11] == ["3738.00", "USD"]


def test_remittance_per_fund_with_totals(console_world, console_clients):
    rows = rows_of(export(console_clients["admin"], "remittance"))

    assert rows == [
        ["fund", "currency", "period", "studio", "document", "type", "amount"],
        ["health_plan", "USD", "2025-08", "Northlight Pictures", console_world.invoice.number, "invoice", "1900.15"],
        ["health_plan", "USD", "total", "", "", "", "1900.15"],
        ["pension_plan", "USD", "2025-08", "Northlight Pictures", console_world.invoice.number, "invoice", "1900.15"],
        ["pension_plan", "USD", "total", "", "", "", "1900.15"],
    ]
    one_fund = rows_of(export(console_clients["admin"], "remittance", fund="pension_plan"))
    assert [r[0] for r in one_fund[1:]] == ["pension_plan", "pension_plan"]


def test_a_period_without_records_has_the_header_only(console_world, console_clients):
    rows = rows_of(export(console_clients["admin"], "invoices", start="2024-01-01", end="2024-01-31"))

    assert rows == [INVOICE_COLUMNS]


def test_cells_a_spreadsheet_would_run_are_quoted(console_world, console_clients):
    Studio.objects.filter(pk=console_world.invoice.studio_id).update(legal_name='=HYPERLINK("http://x")')

    rows = rows_of(export(console_clients["admin"], "invoices"))

    assert rows[1][4] == '\'=HYPERLINK("http://x")'
    assert rows[1][10] == "7538.30"


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_get_no_export(console_world, console_clients, who):
    response = export(console_clients[who], "invoices")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not isinstance(response, StreamingHttpResponse)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-08-31", "end": "2025-08-01"}, "The end is before the start."),
        ({"start": "2024-01-01", "end": "2025-08-31"}, "At most 366 days at a time."),
        ({"start": "not-a-date", "end": "2025-08-31"}, "Enter a valid date."),
        ({"start": "0001-01-01", "end": "0001-12-31"}, "0001-01-01 is outside the dates the registry accepts"),
        ({"start": "9999-01-01", "end": "9999-12-31"}, "9999-01-01 is outside the dates the registry accepts"),
        ({"start": "2025-W31-5", "end": "2025-08-31"}, "Enter a valid date."),
        ({"start": "2025-08-01", "end": ""}, "This field is required."),
        ({"fund": "no_such_fund"}, "Select a valid choice."),
    ],
)
def test_bad_dates_are_a_form_error(console_world, console_clients, params, message):
    response = console_clients["admin"].get("/admin/console/exports/usage.csv", {**AUGUST, **params})

    assert response.status_code == 400
    assert message in response.text
    assert "The usage export needs valid dates" in response.text


def test_no_dates_at_all_is_a_form_error_too(console_clients):
    response = console_clients["admin"].get("/admin/console/exports/usage.csv")

    assert response.status_code == 400


def test_an_unknown_export_is_not_found(console_clients):
    assert console_clients["admin"].get("/admin/console/exports/passwords.csv", AUGUST).status_code == 404


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_the_exports_page_links_each_export_for_the_dates(console_world, console_clients, who):
    response = console_clients[who].get("/admin/console/exports/", {**AUGUST, "fund": "health_plan"})

    assert response.status_code == 200
    # One form: its fields hold the dates and fund, and each download button sends them to its export.
    assert 'formaction="/admin/console/exports/usage.csv"' in response.text
    assert 'formaction="/admin/console/exports/remittance.csv"' in response.text
    assert 'name="start" value="2025-08-01"' in response.text and 'name="end" value="2025-08-31"' in response.text
    assert '<option value="health_plan" selected>' in response.text


def test_the_exports_page_defaults_to_last_month(console_clients):
    response = console_clients["analyst"].get("/admin/console/exports/")

    assert response.status_code == 200
    start, _ = previous_month()
    assert f'name="start" value="{start.isoformat()}"' in response.text


@pytest.mark.parametrize("who", ["performer", "anonymous"])
def test_others_do_not_see_the_exports_page(console_clients, who):
    assert console_clients[who].get("/admin/console/exports/").status_code == 302
