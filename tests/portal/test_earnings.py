"""Earnings: the year's chart, the statement for a period, and its CSV and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from registry.billing import services as billing_services
from registry.portal.statements import statement_csv
from tests.billing.conftest import billed_studio, past_grant, replica_line, report, tvth  # noqa: F401 (fixtures)
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

AUGUST = dt.date(2025, 8, 1)


@pytest.fixture
def billed(billed_studio, performer, tvth, django_capture_on_commit_callbacks):  # noqa: F811
    """The worked example of DOMAIN.md billed for August 2025: 3,738.00 USD to the performer."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.billing_run_start(period=AUGUST, actor=SYSTEM)
    return grant


def test_the_statement_for_a_period(owner, billed):
    page = owner.get(reverse("portal:earnings"), {"period": "2025-08"}).content.decode()
    assert "Statement for August 2025" in page
    assert "2025: 3,738.00 USD" in page
    assert "August 2025: 3,738 USD" in page  # the chart's text alternative
    assert "The Long Night (NLP-2025-004)" in page and "Replica use" in page


def test_a_month_with_nothing_billed_says_so(owner, billed):
    page = owner.get(reverse("portal:earnings"), {"period": "2025-09"}).content.decode()
    assert "Nothing was billed for you in September 2025." in page


@pytest.mark.parametrize("period", ["2025-13", "august", "2025-W33", "9999-12", "0001-01", "1849-12", "<script>"])
def test_a_bad_period_falls_back_with_a_message_never_a_500(owner, period):
    response = owner.get(reverse("portal:earnings"), {"period": period})
    assert response.status_code == 400
    assert b"instead." in response.content and b"<script>" not in response.content


def test_the_csv_download(owner, billed):
    response = owner.get(reverse("portal:statement-csv"), {"period": "2025-08"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="statement-SAG-1-2025-08.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["studio"], r["use"], r["use_date"], r["amount"], r["currency"]) for r in rows] == [
        ("Northlight Pictures", "replica_use", "2025-08-12", "3738.00", "USD")
    ]
    assert rows[0]["grant"] == billed.public_id


def test_the_pdf_download(owner, billed):
    response = owner.get(reverse("portal:statement-pdf"), {"period": "2025-08"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == 'attachment; filename="statement-SAG-1-2025-08.pdf"'


def test_a_download_with_a_bad_period_is_a_400(owner):
    response = owner.get(reverse("portal:statement-csv"), {"period": "nope"})
    assert response.status_code == 400
    assert response.content.startswith(b"'nope' is not a month written YYYY-MM")


def test_the_representative_sees_the_performers_statement(agent, billed, performer):
    response = agent.get(reverse("portal:statement-csv"), {"period": "2025-08", "for": performer.performer.public_id})
    assert response.status_code == 200 and b"3738.00" in response.content


def test_csv_cells_that_look_like_formulas_are_neutralised():
    statement = {
        "lines": [
            {
                "document": "INV-1",
                "studio": '=HYPERLINK("http://evil")',
                "project": "+cmd",
                "use": "replica_use",
                "use_date": dt.date(2025, 8, 12),
                "amount": Decimal("-12.50"),
                "currency": "USD",
                "grant": "cgr_x",
                "explanation": "@sum",
                "credit": True,
            }
        ]
    }
    row = list(csv.reader(io.StringIO(statement_csv(statement))))[1]
    assert row[1] == '\'=HYPERLINK("http://evil")' and row[2] == "'+cmd" and row[8] == "'@sum"
    assert row[5] == "-12.50"  # a negative amount (a credit) stays a number
