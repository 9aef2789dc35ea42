"""Who may call each usage endpoint, what they get back, and that a refusal changes nothing.

Callers: the performer concerned (Maya, whose replica Northlight used), another performer (Leo),
the studio concerned (Northlight), another studio (Rival), staff (admin and analyst), anonymous,
and a Northlight key that lacks the usage:write scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from registry.cases.models import Case
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import all_scopes
from registry.parties.services import api_key_issue
from registry.usage.models import SyntheticPerformer, UsageLine, UsageReport
from registry.usage.services import synthetic_performer_register
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.permissions import ANONYMOUS, NOT_FOR_PERFORMERS, NOT_FOR_STAFF, NOT_FOUND, listed, matrix, refused
from tests.usage.builders import granted, line, report, row_counts, submit

pytestmark = pytest.mark.django_db

CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous", "no_scope"]

MISSING_SCOPE = (403, "missing-scope", "This API key lacks the 'usage:write' scope.")


@dataclass
class World:
    report: UsageReport  # Northlight's, about Maya
    rival_report: UsageReport  # Rival's, about Leo (a violation)
    nova: SyntheticPerformer  # Northlight's
    vega: SyntheticPerformer  # Rival's


@pytest.fixture
def usage_world(studio, other_studio, performer, other_performer, agreement) -> World:
    grant = granted(studio.studio, performer.performer, agreement)
    return World(
        report=submit(studio.studio, line("L-1", grant=grant.public_id), report_id="R-1"),
        rival_report=submit(
            other_studio.studio, line("L-9", performer="SAG-2", agreement="test-tvth"), report_id="R-9"
        ),
        nova=synthetic_performer_register(
            studio=studio.studio, name="Nova", description="Digital lead", borrowings=[], actor=SYSTEM
        ),
        vega=synthetic_performer_register(
            studio=other_studio.studio, name="Vega", description="Digital lead", borrowings=[], actor=SYSTEM
        ),
    )


@pytest.fixture
def usage_clients(api_clients, studio) -> dict:
    # Northlight's own key without usage:write, so only the scope can refuse it
    scopes = [s for s in all_scopes() if s != ApiScope.USAGE_WRITE]
    _, secret = api_key_issue(studio=studio.studio, name="read-only", scopes=scopes, actor=SYSTEM)
    no_scope = APIClient()
    no_scope.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return {**api_clients, "no_scope": no_scope}


# --- Usage reports --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": ["R-1"],
            "other_studio": ["R-9"],
            "staff": ["R-1", "R-9"],
            "analyst": ["R-1", "R-9"],
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_list_usage_reports(usage_world, usage_clients, caller, expected):
    response = usage_clients[caller].get("/api/v1/usage-reports/")

    if isinstance(expected, list):
        assert listed(response, "report_id") == expected
    else:
        refused(response, expected, row_counts(), row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 200,
            "other_studio": NOT_FOUND,
            "staff": 200,
            "analyst": 200,
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_get_usage_report(usage_world, usage_clients, caller, expected):
    response = usage_clients[caller].get(f"/api/v1/usage-reports/{usage_world.report.public_id}")

    if expected == 200:
        assert response.status_code == 200, response.content
        assert (response.json()["id"], response.json()["report_id"]) == (usage_world.report.public_id, "R-1")
    else:
        refused(response, expected, row_counts(), row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 201,
            "other_studio": (422, "usage-report-rejected", None),  # Northlight's grant is not theirs to report
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_post_usage_report(usage_world, usage_clients, caller, expected):
    grant = usage_world.report.lines.get().grant
    before = row_counts()

    response = usage_clients[caller].post(
        "/api/v1/usage-reports/", report("R-new", line("L-new", grant=grant.public_id)), format="json"
    )

    if expected == 201:
        assert response.status_code == 201, response.content
        assert UsageReport.objects.filter(report_ref="R-new", studio=usage_world.report.studio).count() == 1
    else:
        refused(response, expected, before, row_counts)


# --- Usage lines ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": ["L-1"],  # the line about Maya
            "other_performer": ["L-9"],  # the line about Leo
            "studio": ["L-1"],
            "other_studio": ["L-9"],
            "staff": ["L-1", "L-9"],
            "analyst": ["L-1", "L-9"],
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_list_usage_lines(usage_world, usage_clients, caller, expected):
    response = usage_clients[caller].get("/api/v1/usage-lines/")

    if isinstance(expected, list):
        assert listed(response, "line_id") == expected
    else:
        refused(response, expected, row_counts(), row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": [],  # Maya's line was priced
            "other_performer": ["L-9"],
            "studio": [],
            "other_studio": ["L-9"],
            "staff": ["L-9"],
            "analyst": ["L-9"],
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_list_unrateable_usage_lines(usage_world, usage_clients, caller, expected):
    """The filter a studio follows its unpriceable lines with: each caller sees only the lines it
    sees unfiltered, with the reason."""
    from django.utils import timezone

    reason = "Agreement test-tvth has no stand_in rate per day in force on 2026-07-01."
    UsageLine.objects.filter(line_ref="L-9").update(unrateable_reason=reason, unrateable_since=timezone.now())

    response = usage_clients[caller].get("/api/v1/usage-lines/?unrateable=true")

    if isinstance(expected, list):
        assert listed(response, "line_id") == expected
        assert all(row["unrateable_reason"] == reason for row in response.json()["results"])
    else:
        refused(response, expected, row_counts(), row_counts)


def test_unrateable_filter_takes_true_or_false(usage_world, usage_clients):
    assert listed(usage_clients["studio"].get("/api/v1/usage-lines/?unrateable=false"), "line_id") == ["L-1"]
    response = usage_clients["studio"].get("/api/v1/usage-lines/?unrateable=maybe")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "unrateable"


def test_performer_without_lines_sees_none(usage_world, minor_with_guardian):
    assert listed(minor_with_guardian.client.get("/api/v1/usage-lines/")) == []


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 200,
            "other_studio": NOT_FOUND,
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_retract_usage_line(usage_world, usage_clients, caller, expected):
    before = row_counts()

    response = usage_clients[caller].post(
        "/api/v1/usage-lines/L-1/retract", {"reason": "Reported by error"}, format="json"
    )

    status = UsageLine.objects.get(line_ref="L-1").status
    if expected == 200:
        assert response.status_code == 200, response.content
        assert (response.json()["status"], status) == ("retracted", "retracted")
    else:
        refused(response, expected, before, row_counts)
        assert status == "accepted"


# --- Synthetic performers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": ["Nova"],
            "other_studio": ["Vega"],
            "staff": ["Nova", "Vega"],
            "analyst": ["Nova", "Vega"],
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_list_synthetic_performers(usage_world, usage_clients, caller, expected):
    response = usage_clients[caller].get("/api/v1/synthetic-performers/")

    if isinstance(expected, list):
        assert listed(response, "name") == expected
    else:
        refused(response, expected, row_counts(), row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 201,
            "other_studio": 201,
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_register_synthetic_performer(usage_world, usage_clients, caller, expected):
    before = row_counts()

    response = usage_clients[caller].post(
        "/api/v1/synthetic-performers/", {"name": "Orion", "description": "Digital extra"}, format="json"
    )

    if expected == 201:
        assert response.status_code == 201, response.content
        assert SyntheticPerformer.objects.filter(name="Orion").count() == 1
    else:
        refused(response, expected, before, row_counts)


# --- Cases ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": [],  # Maya's line was covered: no case about her
            "other_performer": ["L-9"],  # the violation about Leo
            "studio": [],
            "other_studio": ["L-9"],
            "staff": ["L-9"],
            "analyst": ["L-9"],
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_list_cases(usage_world, usage_clients, caller, expected):
    response = usage_clients[caller].get("/api/v1/cases/")

    if isinstance(expected, list):
        assert listed(response, "usage_line") == expected
    else:
        refused(response, expected, row_counts(), row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOUND,
            "other_performer": 200,
            "studio": NOT_FOUND,
            "other_studio": 200,
            "staff": 200,
            "analyst": 200,
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_get_case(usage_world, usage_clients, caller, expected):
    case = Case.objects.get()

    response = usage_clients[caller].get(f"/api/v1/cases/{case.public_id}")

    if expected == 200:
        assert response.status_code == 200, response.content
        assert (response.json()["id"], response.json()["reason_code"]) == (case.public_id, "no_grant")
    else:
        refused(response, expected, row_counts(), row_counts)


def test_suspended_studio_is_refused(usage_world, studio):
    studio.studio.status = "suspended"
    studio.studio.save(update_fields=["status"])
    before = row_counts()

    response = studio.client.post("/api/v1/usage-reports/", report("R-x", line("L-x")), format="json")

    assert_problem(response, 403, "studio-suspended")
    assert row_counts() == before
