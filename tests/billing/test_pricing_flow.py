"""Pricing end to end: a line that cannot be priced is refused when reported (422 naming the line,
what is missing and who must add it); a rule change is audited and never reprices a finalized
invoice; staff see unpriceable lines and carried-forward rates on the console dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.billing.models import Invoice
from registry.terms.models import Agreement, PricingRule
from registry.terms.services import agreement_successor_set, ph_rate_add, pricing_rule_set
from registry.usage.models import UsageLine, UsageReport
from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def api_line(ref: str, grant, day: dt.date, **extra) -> dict:
    return {
        "line_id": ref,
        "kind": "replica_use",
        "grant": grant.public_id,
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2025-004"},
        "use_date": day.isoformat(),
        "units": "1",
        "unit": "days",
        "role_category": "day_performer",
        "estimated_days": "3",
        "media": ["streaming"],
        "territory": ["US"],
        **extra,
    }


def test_a_line_stating_its_own_price_is_refused_when_reported(billed_studio, performer, tvth):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    body = {
        "report_id": "R-price",
        "lines": [
            api_line("OK-1", grant, dt.date(2025, 8, 12)),
            # The old loophole: 100.00 stated for a use whose signed terms give 3,738.00.
            api_line("CHEAP-1", grant, dt.date(2025, 8, 13), negotiated_amount="100.00"),
        ],
    }
    response = billed_studio.client.post("/api/v1/usage-reports/", body, format="json")

    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["type"].endswith("/problems/usage-report-rejected")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("lines.1", "amount_not_negotiable")]
    assert "Line 'CHEAP-1' (replica_use, 2025-08-13) cannot be priced" in problem["errors"][0]["message"]
    assert not UsageReport.objects.exists() and not UsageLine.objects.exists()  # whole or nothing


def test_a_reused_line_id_is_named_before_a_line_that_cannot_be_priced(billed_studio, performer, tvth):
    """A stored report's line ids are not looked up before storing it (the key table's primary
    key finds a reused one): a refused report looks them up, so the reused id is what it is
    refused for, before pricing, as when every report looked them up first."""
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    first = {"report_id": "R-first", "lines": [api_line("OK-1", grant, dt.date(2025, 8, 12))]}
    assert billed_studio.client.post("/api/v1/usage-reports/", first, format="json").status_code == 201
    body = {
        "report_id": "R-again",
        "lines": [
            api_line("OK-1", grant, dt.date(2025, 8, 12)),
            api_line("CHEAP-1", grant, dt.date(2025, 8, 13), negotiated_amount="100.00"),
        ],
    }

    response = billed_studio.client.post("/api/v1/usage-reports/", body, format="json")

    assert response.status_code == 422, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("lines.0.line_id", "line_id_reused")]
    assert UsageReport.objects.count() == 1 and UsageLine.objects.count() == 1


def test_a_missing_rule_is_refused_naming_what_the_union_must_add(billed_studio, tvth):
    from registry.usage.services import synthetic_performer_register

    synthetic = synthetic_performer_register(
        studio=billed_studio.studio, name="Extra", description="A digital extra.", borrowings=[], actor=SYSTEM
    )
    body = {
        "report_id": "R-rule",
        "lines": [
            {
                "line_id": "S-1",
                "kind": "synthetic_standin",
                "synthetic_performer": synthetic.public_id,
                "agreement": "tvth-2023",
                "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2025-004"},
                "use_date": "2025-08-20",
                "units": "1",
                "unit": "sessions",
                "role_category": "commercial_session",
            }
        ],
    }
    response = billed_studio.client.post("/api/v1/usage-reports/", body, format="json")

    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("lines.0", "no_pricing_rule")
    assert "The union must add a pricing rule for synthetic_standin to agreement tvth-2023." in error["message"]


def test_a_rule_change_is_audited_and_never_reprices_a_finalized_invoice(
    billed_studio, performer, tvth, django_capture_on_commit_callbacks
):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    bill(AUGUST, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get()
    before = (
        invoice.total,
        list(invoice.lines.values_list("performer_pay", "ph_contribution", "applied_terms__terms")),
    )

    # when staff double the replica-use multiplier
    rule = pricing_rule_set(
        agreement=tvth, usage_kind="replica_use", values={"multiplier": Decimal("2")}, actor=SYSTEM
    )

    # then the change is audited with what changed, and the finalized invoice is untouched
    event = AuditEvent.objects.filter(action="pricing_rule.set").latest("id")
    assert event.data["changed"] == {"multiplier": {"from": "1.000", "to": "2"}}
    invoice.refresh_from_db()
    assert (
        invoice.total,
        list(invoice.lines.values_list("performer_pay", "ph_contribution", "applied_terms__terms")),
    ) == before
    assert before[1][0][2]["rule"]["multiplier"] == "1.000"  # the line keeps the rule that priced it

    # and the next line is priced by the new rule: max(1,100; 1,246 × 2) × 3 = 7,476.00
    report(billed_studio.studio, [replica_line("L-2", grant, dt.date(2025, 9, 2))], ref="r-2")
    bill(dt.date(2025, 9, 1), django_capture_on_commit_callbacks)
    assert Invoice.objects.get(period=dt.date(2025, 9, 1)).performer_pay == Decimal("7476.00")
    assert PricingRule.objects.get(pk=rule.pk).multiplier == Decimal("2.000")


def test_p_and_h_periods_and_successors_are_checked_and_audited(tvth):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):  # overlaps the shipped 21% period
        ph_rate_add(agreement=tvth, rate=Decimal("0.22"), effective_from=dt.date(2025, 1, 1), actor=SYSTEM)
    commercials = Agreement.objects.get(code="commercials-2025")
    with pytest.raises(ValidationError, match="successor must be a TV/Theatrical agreement"):
        agreement_successor_set(agreement=tvth, successor=commercials, actor=SYSTEM)
    assert Agreement.objects.get(pk=tvth.pk).successor.code == "tvth-2026"
    agreement_successor_set(agreement=tvth, successor=None, actor=SYSTEM)
    assert AuditEvent.objects.filter(action="agreement.successor_set").latest("id").data["successor"] == {
        "from": "tvth-2026",
        "to": None,
    }


def test_the_console_shows_unpriceable_lines_and_carried_rates(billed_studio, performer, tvth, staff, analyst):
    grant = past_grant(billed_studio.studio, performer.performer, tvth)
    report(billed_studio.studio, [replica_line("L-1", grant, dt.date(2025, 8, 12))])
    UsageLine.objects.filter(line_ref="L-1").update(
        unrateable_reason="Agreement tvth-2023 has no day_performer rate per day in force on 2025-08-12.",
        unrateable_since=timezone.now(),
    )
    for user in (staff.user, analyst.user):
        client = Client()
        client.force_login(user)
        page = client.get("/admin/console/")
        text = page.content.decode()
        assert page.status_code == 200
        assert 'id="unrateable-lines">1<' in text
        assert "no day_performer rate per day in force on 2025-08-12" in text
        assert "Rates carried forward" in text and "tvth-2026 stand-in" in text
