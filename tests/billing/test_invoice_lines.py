"""A document's lines at scale: the invoice's totals by group (API, PDF), its lines a page at a
time and as a streamed CSV, each kind of caller on each, and query counts that do not grow with
the number of lines (issue 24, item 6)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.api.v1 import billing as billing_views
from registry.billing import selectors
from registry.billing.line_csv import COLUMNS
from registry.billing.models import Invoice, InvoiceLine
from registry.consent import rules
from tests.api.conftest import assert_problem
from tests.billing.conftest import AUGUST, PICTURE, bill, past_grant, pdf_text, replica_line, report
from tests.permissions import ANONYMOUS, NOT_FOR_PERFORMERS, NOT_FOUND, OK, matrix

pytestmark = pytest.mark.django_db

D = Decimal
SERIES = rules.Project(kind="picture", title="Harbour Lights", production_number="HL-S1")
CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous"]


def _lines(grant, prefix: str, days: list[dt.date], project=PICTURE):
    return [
        dataclasses.replace(replica_line(f"{prefix}-{i}", grant, day), project=project)
        for i, day in enumerate(days, start=1)
    ]


@pytest.fixture
def two_projects(billed_studio, performer, tvth, django_capture_on_commit_callbacks) -> Invoice:
    """Northlight's August invoice: three August days on The Long Night, one late July day on it
    (an adjustment, month 2025-07), two August days on Harbour Lights. Each line: 3 days at the
    day scale 1,246.00 = 3,738.00 pay + P&H 21% 784.98 = 4,522.98."""
    picture = past_grant(billed_studio.studio, performer.performer, tvth)
    series = past_grant(billed_studio.studio, performer.performer, tvth, project=SERIES)
    august = [dt.date(2025, 8, d) for d in (4, 12, 20)]
    report(
        billed_studio.studio,
        [
            *_lines(picture, "P", august),
            replica_line("P-late", picture, dt.date(2025, 7, 28)),
            *_lines(series, "S", [dt.date(2025, 8, 5), dt.date(2025, 8, 6)], project=SERIES),
        ],
    )
    bill(AUGUST, django_capture_on_commit_callbacks)
    return Invoice.objects.get(studio=billed_studio.studio, document_type="invoice")


def _group(use, title, number, role, month, lines):
    pay, ph = D("3738.00") * lines, D("784.98") * lines
    return {
        "charge": "usage",
        "use": use,
        "project_title": title,
        "production_number": number,
        "role": role,
        "month": month,
        "lines": lines,
        "performer_pay": pay,
        "ph_contribution": ph,
        "fund_total": D("0.00"),  # P&H goes to the plans; fund royalties are another charge
        "interest": D("0.00"),
        "total": pay + ph,
        "currency": "USD",
    }


# --- Totals by group ----------------------------------------------------------------------------
def test_the_summary_totals_the_lines_by_use_project_role_and_month(two_projects):
    assert selectors.invoice_summary(two_projects) == [
        _group("replica_use", "Harbour Lights", "HL-S1", "day_performer", dt.date(2025, 8, 1), 2),
        _group("replica_use", "The Long Night", "NLP-2025-004", "day_performer", dt.date(2025, 7, 1), 1),
        _group("replica_use", "The Long Night", "NLP-2025-004", "day_performer", dt.date(2025, 8, 1), 3),
    ]
    # The groups add up to the document.
    assert sum(row["total"] for row in selectors.invoice_summary(two_projects)) == two_projects.total


def test_a_residuals_invoice_is_one_group_without_use_or_month(billed_studio):
    from tests.billing.test_receivables import make_bonus_invoice

    invoice = make_bonus_invoice(billed_studio)
    (row,) = selectors.invoice_summary(invoice)
    assert (row["charge"], row["use"], row["project_title"], row["role"], row["month"]) == (
        "residuals",
        None,
        None,
        None,
        None,
    )
    assert (row["lines"], row["performer_pay"], row["fund_total"], row["total"]) == (
        3,
        D("3000.00"),
        D("1000.00"),
        D("4000.00"),
    )


def test_the_detail_carries_the_summary_and_where_the_lines_are(two_projects, billed_studio, settings):
    body = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}").json()
    assert body["line_count"] == 6
    assert body["summary"][0] == {
        "charge": "usage",
        "use": "replica_use",
        "project_title": "Harbour Lights",
        "production_number": "HL-S1",
        "role": "day_performer",
        "month": "2025-08",
        "lines": 2,
        "performer_pay": "7476.00",
        "ph_contribution": "1569.96",
        "fund_total": "0.00",
        "interest": "0.00",
        "total": "9045.96",
        "currency": "USD",
    }
    months = [(row["month"], row["lines"]) for row in body["summary"]]
    assert months == [("2025-08", 2), ("2025-07", 1), ("2025-08", 3)]
    base = f"{settings.REGISTRY_BASE_URL}/api/v1/invoices/{two_projects.public_id}"
    assert (body["lines_url"], body["lines_csv_url"]) == (f"{base}/lines/", f"{base}/lines.csv")
    # A small document still carries its lines inline (deprecated), in document order.
    assert [line["usage_line"] for line in body["lines"]] == ["P-1", "P-2", "P-3", "P-late", "S-1", "S-2"]


def test_a_document_larger_than_a_page_has_no_inline_lines(two_projects, billed_studio, monkeypatch):
    monkeypatch.setattr(billing_views, "INLINE_LINES", 5)
    body = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}").json()
    assert (body["line_count"], body["lines"]) == (6, None)
    monkeypatch.setattr(billing_views, "INLINE_LINES", 6)
    body = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}").json()
    assert len(body["lines"]) == 6


# --- Lines a page at a time -----------------------------------------------------------------------
def test_the_lines_are_paged_in_document_order_with_their_provenance(two_projects, billed_studio):
    url = f"/api/v1/invoices/{two_projects.public_id}/lines/?page_size=4"
    first = billed_studio.client.get(url).json()
    assert [line["usage_line"] for line in first["results"]] == ["P-1", "P-2", "P-3", "P-late"]
    second = billed_studio.client.get(first["next"]).json()
    assert [line["usage_line"] for line in second["results"]] == ["S-1", "S-2"]
    assert second["next"] is None
    line = second["results"][0]
    assert (line["performer"], line["agreement"], line["total"], line["is_adjustment"]) == (
        two_projects.lines.get(usage_line__line_ref="S-1").performer.public_id,
        "tvth-2023",
        "4522.98",
        False,
    )
    assert line["rate_card"] == {
        "role_category": "day_performer",
        "unit": "day",
        "amount": "1246.00",
        "effective_from": "2025-07-01",
    }
    assert first["results"][3]["is_adjustment"] is True


@pytest.mark.parametrize(("query", "field"), [("cursor=zz", "cursor"), ("page_size=0", "page_size")])
def test_a_bad_cursor_or_page_size_is_a_400_naming_it(two_projects, billed_studio, query, field):
    response = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}/lines/?{query}")
    body = assert_problem(response, 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == [field]


# --- Lines as CSV ---------------------------------------------------------------------------------
def _csv(response) -> list[dict]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_every_line_with_its_provenance(two_projects, billed_studio, performer):
    response = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}/lines.csv")
    assert f'filename="{two_projects.number}-lines.csv"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = _csv(response)
    assert list(rows[0]) == COLUMNS
    assert [row["usage_line"] for row in rows] == ["P-1", "P-2", "P-3", "P-late", "S-1", "S-2"]
    line = two_projects.lines.get(usage_line__line_ref="P-late")
    assert rows[3] == {
        "document": two_projects.number,
        "usage_line": "P-late",
        "source": "",
        "charged_document": "",
        "is_credit": "false",
        "is_adjustment": "true",
        "use": "replica_use",
        "project_title": "The Long Night",
        "production_number": "NLP-2025-004",
        "role": "day_performer",
        "use_date": "2025-07-28",
        "performer": performer.performer.public_id,
        "grant": line.token_jti,
        "agreement": "tvth-2023",
        "rate_role_category": "day_performer",
        "rate_unit": "day",
        "rate_amount": "1246.00",
        "rate_effective_from": "2025-07-01",
        "description": line.description,
        "explanation": line.explanation,
        "performer_pay": "3738.00",
        "ph_contribution": "784.98",
        "fund_total": "0.00",
        "interest": "0.00",
        "total": "4522.98",
        "currency": "USD",
    }
    assert sum(D(row["total"]) for row in rows) == two_projects.total


def test_the_csv_is_sent_in_chunks_and_quotes_what_a_spreadsheet_would_run(two_projects, billed_studio, monkeypatch):
    from registry.billing import line_csv

    monkeypatch.setattr(line_csv, "CHUNK_ROWS", 2)
    InvoiceLine.objects.filter(invoice=two_projects, usage_line__line_ref="P-1").update(description="=HYPERLINK(1)")
    response = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}/lines.csv")
    chunks = list(response.streaming_content)
    # The header and 6 lines, 2 lines a chunk: 3 full chunks, then what is left (nothing).
    assert [chunk.count(b"\n") for chunk in chunks] == [3, 2, 2, 0]
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0]["description"] == "'=HYPERLINK(1)"


# --- The PDF: the summary, and where the lines are --------------------------------------------------
def test_the_pdf_carries_the_summary_and_points_to_the_csv(two_projects, billed_studio, tmp_path, settings):
    response = billed_studio.client.get(f"/api/v1/invoices/{two_projects.public_id}/pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "6 lines, totalled below by use, project, role and month of use." in text
    csv_url = f"{settings.REGISTRY_BASE_URL}/api/v1/invoices/{two_projects.public_id}/lines.csv"
    assert csv_url in text.replace(" ", "")
    assert "Replica use: Harbour Lights (HL-S1); Day performer 2025-08 2 7,476.00 1,569.96 9,045.96" in text
    assert "Replica use: The Long Night (NLP-2025-004); Day performer 2025-07 1 3,738.00 784.98 4,522.98" in text
    assert "Replica use: The Long Night (NLP-2025-004); Day performer 2025-08 3 11,214.00 2,354.94 13,568.94" in text
    assert "Total (USD) 27,137.88" in text
    # Lines are not listed one by one: no usage-line id is in the PDF.
    assert "P-late" not in text


# --- Each kind of caller ------------------------------------------------------------------------------
READ = {
    "performer": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": OK,
    "other_studio": NOT_FOUND,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
}
ENDPOINTS = ["", "/lines/", "/lines.csv", "/pdf"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, READ))
def test_who_reads_an_invoice_and_its_lines(two_projects, api_clients, caller, expected, endpoint):
    before = (Invoice.objects.count(), InvoiceLine.objects.count())
    response = api_clients[caller].get(f"/api/v1/invoices/{two_projects.public_id}{endpoint}")
    if expected != OK:
        assert_problem(response, *expected)
        assert (Invoice.objects.count(), InvoiceLine.objects.count()) == before
        return
    assert response.status_code == 200
    if endpoint == "/lines/":
        assert len(response.json()["results"]) == 6
    elif endpoint == "/lines.csv":
        assert len(_csv(response)) == 6
    elif endpoint == "":
        assert response.json()["line_count"] == 6
    else:
        assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("endpoint", ["/lines/", "/lines.csv"])
def test_the_lines_need_the_billing_scope(two_projects, make_studio_caller, endpoint):
    narrow = make_studio_caller("Narrow", scopes=["consent:read"])
    response = narrow.client.get(f"/api/v1/invoices/{two_projects.public_id}{endpoint}")
    assert_problem(response, 403, "missing-scope")
    assert response.json()["required_scope"] == "billing:read"


# --- Queries do not grow with the lines ------------------------------------------------------------------
@pytest.fixture
def small_and_large(billed_studio, other_studio, performer, tvth, django_capture_on_commit_callbacks):
    """Two invoices of one run: Northlight's with 1 line, Rival's with 12 lines."""
    other_studio.studio.agreements.add(tvth)
    small = past_grant(billed_studio.studio, performer.performer, tvth)
    large = past_grant(other_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("A-1", small, dt.date(2025, 8, 3))])
    report(other_studio.studio, _lines(large, "B", [dt.date(2025, 8, d) for d in range(1, 13)]), ref="r-2")
    bill(AUGUST, django_capture_on_commit_callbacks)
    by_studio = {i.studio_id: i for i in Invoice.objects.filter(document_type="invoice")}
    return (
        (billed_studio, by_studio[billed_studio.studio.pk], 1),
        (other_studio, by_studio[other_studio.studio.pk], 12),
    )


def _queries(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # the CSV's queries run while it is sent
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_invoice_and_its_lines_cost_the_same_queries_at_1_and_12_lines(small_and_large, endpoint, monkeypatch):
    from registry.billing import line_csv

    # The CSV of 12 lines is read in three chunks of 5: one cursor, fetched three times.
    monkeypatch.setattr(line_csv, "CHUNK_ROWS", 5)
    counts = []
    for caller, invoice, lines in small_and_large:
        count, response = _queries(caller.client, f"/api/v1/invoices/{invoice.public_id}{endpoint}?page_size=500")
        if endpoint == "":
            assert response.json()["line_count"] == lines
        elif endpoint == "/lines/":
            assert len(response.json()["results"]) == lines
        counts.append(count)
    assert counts[0] == counts[1], counts


# --- The admin: the invoice's page totals the lines, its lines are listed a page at a time ---------------
@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff.user)
    return client


def test_the_invoice_admin_page_totals_the_lines_and_links_to_them(two_projects, admin_client):
    page = admin_client.get(f"/admin/billing/invoice/{two_projects.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>Harbour Lights (HL-S1)</td><td>day_performer</td><td>2025-08</td>" in html
    assert "9,045.96" in html
    assert f"/admin/billing/invoiceline/?invoice__id__exact={two_projects.pk}" in html
    # No line is on the invoice's own page.
    assert "P-late" not in html
    lines = admin_client.get(f"/admin/billing/invoiceline/?invoice__id__exact={two_projects.pk}")
    assert lines.status_code == 200
    assert lines.content.decode().count('<th class="field-description">') == 6


@pytest.mark.parametrize("page", ["change", "lines"])
def test_the_invoice_admin_pages_cost_the_same_queries_at_1_and_12_lines(small_and_large, admin_client, page):
    counts = []
    for _, invoice, lines in small_and_large:
        url = (
            f"/admin/billing/invoice/{invoice.pk}/change/"
            if page == "change"
            else f"/admin/billing/invoiceline/?invoice__id__exact={invoice.pk}"
        )
        count, response = _queries(admin_client, url)
        if page == "lines":
            assert response.content.decode().count('<th class="field-description">') == lines
        counts.append(count)
    assert counts[0] == counts[1], counts


# --- One format whoever writes it ---------------------------------------------------------------------
def test_postgresql_writes_the_csv_byte_for_byte_as_python_does(two_projects):
    """On PostgreSQL the database writes the rows (COPY); on SQLite Python does. Text that needs
    quoting, formulas, empty and missing values, credits and a line without a rate: the same bytes."""
    from registry.billing import line_csv
    from registry.usage.models import UsageLine

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    lines = list(two_projects.lines.order_by("id"))
    odd = {
        0: {"description": 'Said "cut", then, again', "explanation": "two\nlines and a\r\nCRLF"},
        1: {"description": "=SUM(A1)", "explanation": "-1 day", "source_ref": "a,b"},
        2: {"description": "+33 1 23", "explanation": "@who", "rate_card": None, "token_jti": ""},
        3: {
            "is_credit": True,
            "performer_pay": D("-3738.00"),
            "total": D("-4522.98"),
            "interest": D("0.05"),
            "description": "\tTabbed",
        },
        4: {"description": "Ünïcødé — ok", "explanation": " leading space, trailing ", "source_ref": "cr\ronly"},
    }
    for i, changes in odd.items():
        InvoiceLine.objects.filter(pk=lines[i].pk).update(**changes)
    UsageLine.objects.filter(pk=lines[5].usage_line_id).update(project_title='-"Quoted", title', line_ref="@S-2")

    by_postgresql = b"".join(line_csv.rows_written_by_postgresql(two_projects)).decode()
    by_python = "".join(line_csv.rows_written_here(two_projects))
    assert by_postgresql == by_python
    rows = list(csv.reader(io.StringIO(by_python)))
    assert len(rows) == 6
    assert rows[0][COLUMNS.index("explanation")] == "two\nlines and a\r\nCRLF"
    assert rows[1][COLUMNS.index("description")] == "'=SUM(A1)"
    assert rows[2][COLUMNS.index("rate_amount")] == ""
    assert rows[3][COLUMNS.index("is_credit")] == "true"
    assert rows[3][COLUMNS.index("total")] == "-4522.98"
    assert rows[3][COLUMNS.index("description")] == "'\tTabbed"  # a tab starts a formula too
    assert rows[5][COLUMNS.index("usage_line")] == "'@S-2"
    assert rows[5][COLUMNS.index("project_title")] == '\'-"Quoted", title'


def test_a_download_stopped_half_way_leaves_the_connection_usable(two_projects, monkeypatch):
    """A client that goes away mid-CSV closes the stream: the COPY is ended and the same
    database connection answers the next query."""
    from registry.billing import line_csv

    monkeypatch.setattr(line_csv, "CHUNK_ROWS", 2)
    stream = line_csv.invoice_lines_csv(two_projects)
    first = next(stream)
    assert first.startswith("document,usage_line,")
    stream.close()
    assert Invoice.objects.filter(pk=two_projects.pk).count() == 1
    assert len(b"".join(line_csv.rows_written_by_postgresql(two_projects)).splitlines()) == 6
