"""The residuals API as a studio and staff use it: the happy paths, idempotency, and bad input,
each refused with a problem naming the field and storing nothing."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.utils import timezone

from registry.residuals.models import BonusDistribution, Title
from registry.terms.models import Agreement
from tests.api.conftest import assert_problem
from tests.residuals.builders import balances, row_counts
from tests.residuals.conftest import licence_term

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
TITLE = {
    "project": {"kind": "series", "title": "Low Tide", "production_number": "LT-1"},
    "agreement": "test-tvth",
    "streaming_service": "Streamline+",
    "release_date": "2025-01-10",
    "runtime_minutes": 60,
    "high_budget_svod": True,
    "cast": [
        {"performer": "SAG-1", "residual_base": "3000.00", "role": "Captain Ines Moreau"},
        {"performer": "SAG-2", "residual_base": "1000.00"},
    ],
}


def body_with(base: dict, **changes) -> dict:
    """A copy of `base` with dotted keys set (None removes the key)."""
    body = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = body
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    return body


def errors(response) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.fixture
def low_tide(studio, performer, other_performer) -> Title:
    response = studio.client.post("/api/v1/titles/", TITLE, format="json")
    assert response.status_code == 201, response.content
    return Title.objects.get(public_id=response.json()["id"])


def viewing(**changes) -> dict:
    base = {
        "exhibition_year": 1,
        "hours_streamed": "200000.00",
        "domestic_subscribers": 1_000_000,
        "subscribers_as_of": "2025-04-01",
    }
    return body_with(base, **changes)


def licence(**changes) -> dict:
    start, end = licence_term()
    base = {"licensee": "Lumen Labs", "fee": "100000.00", "term_start": start.isoformat(), "term_end": end.isoformat()}
    return body_with(base, **changes)


# --- Happy paths ------------------------------------------------------------------------------
def test_register_a_title_with_its_cast(studio, low_tide, performer):
    body = studio.client.get(f"/api/v1/titles/{low_tide.public_id}").json()

    assert (body["name"], body["project_kind"], body["production_number"]) == ("Low Tide", "series", "LT-1")
    assert (body["agreement"], body["currency"], body["runtime_minutes"]) == ("test-tvth", "USD", 60)
    assert body["cast"][0] == {
        "performer": performer.performer.public_id,
        "name": "Maya Okafor",
        "role": "Captain Ines Moreau",
        "residual_base": "3000.00",
    }


def test_a_qualifying_report_pays_and_says_why(studio, staff, low_tide, performer, other_performer):
    response = studio.client.post(f"/api/v1/titles/{low_tide.public_id}/viewing-reports", viewing(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == {
        "outcome": "qualified",
        "meets_threshold": True,
        "views": "200000.0000",
        "required_views": "200000.0000",
        "threshold": "0.2000",
        "runtime_minutes": 60,
        "window_start": "2025-01-10",
        "window_end": "2025-04-09",
        "explanation": "views = 200,000 hours × 60 ÷ 60 min = 200,000; needed 20% × 1,000,000 subscribers = "
        "200,000 views in exhibition year 1, 2025-01-10 to 2025-04-09: reaches the threshold.",
        "terms_used": {
            "agreement": "test-tvth",
            "threshold": "0.2000",
            "window_days": 90,
            "later_years": True,
            "bonus_share": "1.0000",
            "performer_share": "0.7500",
        },
    }
    distribution = staff.client.get(f"/api/v1/bonus-distributions/{body['distribution']}").json()
    assert (distribution["bonus_total"], distribution["performers_total"], distribution["fund_amount"]) == (
        "4000.00",
        "3000.00",
        "1000.00",
    )
    assert [(s["name"], s["amount"]) for s in distribution["shares"]] == [
        ("Maya Okafor", "2250.00"),
        ("Leo Brandt", "750.00"),
    ]
    assert distribution["fund"] == "success_bonus_fund"
    funds = {f["fund"]: f["balance"] for f in staff.client.get("/api/v1/funds/").json()}
    assert funds == {"success_bonus_fund": "1000.00"}


def test_a_second_report_in_the_same_year_pays_nothing(studio, low_tide):
    url = f"/api/v1/titles/{low_tide.public_id}/viewing-reports"
    studio.client.post(url, viewing(), format="json")

    second = studio.client.post(url, viewing(hours_streamed="350000"), format="json").json()

    assert (second["decision"]["outcome"], second["distribution"]) == ("already_qualified", None)
    assert BonusDistribution.objects.count() == 1
    decided = studio.client.get(f"/api/v1/viewing-reports/?title={low_tide.public_id}&exhibition_year=1").json()
    assert sorted(r["decision"]["outcome"] for r in decided["results"]) == ["already_qualified", "qualified"]


def test_a_licence_flags_the_performer_without_consent(studio, low_tide, performer, other_performer, agreement):
    from tests.residuals.builders import training_grant

    grant = training_grant(
        studio.studio,
        performer.performer,
        agreement,
        at=timezone.now() - dt.timedelta(hours=1),
        project=low_tide.project(),
    )

    response = studio.client.post(f"/api/v1/titles/{low_tide.public_id}/training-licences", licence(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    maya, leo = body["shares"]
    assert (maya["amount"], maya["consent_basis"], maya["grant"], maya["violation_case"]) == (
        "37500.00",
        "grant",
        grant.public_id,
        None,
    )
    assert (leo["amount"], leo["consent_basis"], leo["grant"]) == ("12500.00", "none", None)
    assert [f["code"] for f in leo["findings"]] == ["no_grant"]
    cases = studio.client.get("/api/v1/cases/").json()["results"]
    assert sorted((c["kind"], c["id"]) for c in cases) == sorted(
        [("training_notice", body["notice_case"]), ("violation", leo["violation_case"])]
    )
    assert balances()[f"receivable:{studio.studio.public_id}:USD"] == 50000


def test_posts_are_idempotent(studio, performer, other_performer):
    headers = {"HTTP_IDEMPOTENCY_KEY": "title-lt-1"}

    first = studio.client.post("/api/v1/titles/", TITLE, format="json", **headers)
    again = studio.client.post("/api/v1/titles/", TITLE, format="json", **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Title.objects.count() == 1


# Refused by a rule of the service (the request is well formed): 422; malformed: 400.
SERVICE_RULES = {"window_not_started", "in_future", "too_short", "before_start", "wrong_currency"}


def _refusal(expected: list[tuple[str, str]]) -> tuple[int, str]:
    return (422, "rule-violation") if expected[0][1] in SERVICE_RULES else (400, "validation-error")


# --- Bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "changes", "status", "slug", "expected"),
    [
        ("runtime zero", {"runtime_minutes": 0}, 400, "validation-error", [("runtime_minutes", "min_value")]),
        ("runtime missing", {"runtime_minutes": None}, 400, "validation-error", [("runtime_minutes", "required")]),
        ("no cast", {"cast": []}, 400, "validation-error", [("cast", "empty")]),
        ("unknown performer", {"cast__0__performer": "SAG-404"}, 422, "rule-violation",
         [("cast.0.performer", "unknown_performer")]),
        ("a performer twice", {"cast__1__performer": "SAG-1"}, 422, "rule-violation",
         [("cast.1.performer", "duplicate")]),
        ("residual base zero", {"cast__0__residual_base": "0.00"}, 400, "validation-error",
         [("cast.0.residual_base", "min_value")]),
        ("residual base with fractions of a cent", {"cast__0__residual_base": "12.345"}, 400, "validation-error",
         [("cast.0.residual_base", "max_decimal_places")]),
        ("residual base as a JSON float", {"cast__0__residual_base": 3000.1}, 400, "validation-error",
         [("cast.0.residual_base", "not_a_string")]),
        ("unknown agreement", {"agreement": "tvth-1999"}, 422, "rule-violation",
         [("agreement", "unknown_agreement")]),
        ("not a streaming title", {"project__kind": "commercial"}, 422, "rule-violation",
         [("project.kind", "not_a_streaming_title")]),
        ("wrong currency", {"currency": "EUR"}, 422, "rule-violation", [("currency", "wrong_currency")]),
        ("flag missing", {"high_budget_svod": None}, 400, "validation-error", [("high_budget_svod", "required")]),
        ("several at once", {"runtime_minutes": -5, "cast__0__residual_base": "-1"}, 400, "validation-error",
         [("runtime_minutes", "min_value"), ("cast.0.residual_base", "min_value")]),
    ],
)  # fmt: skip
def test_bad_titles_are_refused_and_store_nothing(
    studio, performer, other_performer, case, changes, status, slug, expected
):
    before = row_counts()

    response = studio.client.post("/api/v1/titles/", body_with(TITLE, **changes), format="json")

    assert_problem(response, status, slug)
    assert errors(response) == expected, case
    assert row_counts() == before


def test_a_title_under_an_agreement_the_studio_has_not_signed(studio, performer, other_performer):
    Agreement.objects.create(code="games-test", name="Games", sector="interactive", effective_from=dt.date(2025, 1, 1))
    before = row_counts()

    response = studio.client.post("/api/v1/titles/", body_with(TITLE, agreement="games-test"), format="json")

    assert_problem(response, 422, "rule-violation")
    assert errors(response) == [("agreement", "studio_not_signatory")]
    assert row_counts() == before


def test_a_production_number_is_registered_once(studio, low_tide):
    before = row_counts()

    response = studio.client.post("/api/v1/titles/", TITLE, format="json")

    assert_problem(response, 409, "conflict", "You already registered production number LT-1.")
    assert errors(response) == [("project.production_number", "duplicate")]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("case", "changes", "expected"),
    [
        ("hours negative", {"hours_streamed": "-1"}, [("hours_streamed", "min_value")]),
        ("hours not a number", {"hours_streamed": "lots"}, [("hours_streamed", "invalid")]),
        ("hours as a JSON float", {"hours_streamed": 200000.5}, [("hours_streamed", "not_a_string")]),
        ("subscriber count missing", {"domestic_subscribers": None}, [("domestic_subscribers", "required")]),
        ("subscriber count zero", {"domestic_subscribers": 0}, [("domestic_subscribers", "min_value")]),
        ("subscriber date missing", {"subscribers_as_of": None}, [("subscribers_as_of", "required")]),
        ("exhibition year zero", {"exhibition_year": 0}, [("exhibition_year", "min_value")]),
        ("a window that has not begun", {"exhibition_year": 30}, [("exhibition_year", "window_not_started")]),
        ("a subscriber count from the future", {"subscribers_as_of": "2199-01-01"},
         [("subscribers_as_of", "in_future")]),
        ("a subscriber date past the accepted range", {"subscribers_as_of": "2999-01-01"},
         [("subscribers_as_of", "date_out_of_range")]),
        ("hours in exponent form", {"hours_streamed": "2e5"}, [("hours_streamed", "invalid")]),
        ("hours with a digit separator", {"hours_streamed": "200_000"}, [("hours_streamed", "invalid")]),
        ("hours as a whole JSON number", {"hours_streamed": 200000}, [("hours_streamed", "not_a_string")]),
        ("subscribers as a string", {"domestic_subscribers": "500"}, [("domestic_subscribers", "invalid")]),
        ("exhibition year as a float", {"exhibition_year": 1.0}, [("exhibition_year", "invalid")]),
        ("an ISO week date", {"subscribers_as_of": "2025-W40-1"}, [("subscribers_as_of", "invalid")]),
    ],
)  # fmt: skip
def test_bad_viewing_reports_are_refused_and_store_nothing(studio, low_tide, case, changes, expected):
    before = row_counts()

    response = studio.client.post(
        f"/api/v1/titles/{low_tide.public_id}/viewing-reports", viewing(**changes), format="json"
    )

    assert_problem(response, *_refusal(expected))
    assert errors(response) == expected, case
    assert row_counts() == before


@pytest.mark.parametrize("what", ["viewing-reports", "training-licences"])
def test_another_studios_title_is_not_found(studio, other_studio, low_tide, what):
    body = viewing() if what == "viewing-reports" else licence()
    before = row_counts()

    response = other_studio.client.post(f"/api/v1/titles/{low_tide.public_id}/{what}", body, format="json")

    assert_problem(response, 404, "not-found", f"You have no title with id {low_tide.public_id}.")
    assert row_counts() == before


def test_an_unknown_title_is_not_found(studio):
    response = studio.client.post("/api/v1/titles/ttl_nope/viewing-reports", viewing(), format="json")

    assert_problem(response, 404, "not-found", "You have no title with id ttl_nope.")


@pytest.mark.parametrize(
    ("case", "changes", "expected"),
    [
        ("fee zero", {"fee": "0.00"}, [("fee", "min_value")]),
        ("fee missing", {"fee": None}, [("fee", "required")]),
        ("fee as a JSON float", {"fee": 99.99}, [("fee", "not_a_string")]),
        ("licensee blank", {"licensee": "   "}, [("licensee", "blank")]),
        ("licensee a single letter", {"licensee": "X"}, [("licensee", "too_short")]),
        ("ends before it starts", {"term_end": "2020-01-01"}, [("term_end", "before_start")]),
        ("wrong currency", {"currency": "GBP"}, [("currency", "wrong_currency")]),
        ("bad currency code", {"currency": "dollars"}, [("currency", "invalid")]),
    ],
)
def test_bad_licences_are_refused_and_store_nothing(studio, low_tide, case, changes, expected):
    before = row_counts()

    response = studio.client.post(
        f"/api/v1/titles/{low_tide.public_id}/training-licences", licence(**changes), format="json"
    )

    assert_problem(response, *_refusal(expected))
    assert errors(response) == expected, case
    assert row_counts() == before


def test_the_same_licence_twice_is_a_conflict(studio, low_tide):
    url = f"/api/v1/titles/{low_tide.public_id}/training-licences"
    assert studio.client.post(url, licence(), format="json").status_code == 201
    before = row_counts()

    response = studio.client.post(url, licence(licensee="LUMEN  labs"), format="json")

    assert_problem(response, 409, "conflict")
    assert errors(response) == [("licensee", "duplicate")]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [("year", "invalid")]),
        ("year=last", [("year", "invalid")]),
        ("year=2025&threshold=lots", [("threshold", "invalid")]),
        ("year=2025&threshold=1.5", [("threshold", "out_of_range")]),
        ("year=2025&performer_share=-0.1&bonus_share=NaN", [("bonus_share", "invalid"),
                                                            ("performer_share", "out_of_range")]),
        ("year=2025&threshold=1e-1", [("threshold", "invalid")]),
        ("year=2025&bonus_share=1_0", [("bonus_share", "invalid")]),
        ("year=9999", [("year", "invalid")]),
        ("year=1849", [("year", "invalid")]),
    ],
)  # fmt: skip
def test_bad_what_if_queries(staff, query, expected):
    response = staff.client.get(f"/api/v1/streaming-bonus/what-if?{query}")

    assert_problem(response, 400, "validation-error")
    assert errors(response) == expected


def test_bad_filters_and_periods(studio, performer, low_tide):
    bad_year = studio.client.get("/api/v1/viewing-reports/?exhibition_year=first")
    bad_period = performer.client.get(f"/api/v1/performers/{performer.performer.public_id}/earnings?period=2025-13")

    assert_problem(bad_year, 400, "validation-error")
    assert errors(bad_year) == [("exhibition_year", "invalid")]
    assert_problem(bad_period, 400, "validation-error")
    assert errors(bad_period) == [("period", "invalid")]


def test_the_schema_describes_the_residuals_endpoints(anonymous):
    schema = anonymous.get("/api/schema/?format=json").json()

    for path in (
        "/api/v1/titles/",
        "/api/v1/titles/{title_id}/viewing-reports",
        "/api/v1/titles/{title_id}/training-licences",
        "/api/v1/viewing-reports/",
        "/api/v1/bonus-distributions/{distribution_id}",
        "/api/v1/training-licences/",
        "/api/v1/performers/{performer_id}/earnings",
        "/api/v1/streaming-bonus/what-if",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["schemas"]["QualificationDecision"]["properties"]["outcome"]["$ref"].endswith(
        "/OutcomeEnum"
    )


# --- The admin --------------------------------------------------------------------------------
def test_staff_model_a_past_year_in_the_admin(staff, analyst, studio, low_tide):
    from django.test import Client

    studio.client.post(f"/api/v1/titles/{low_tide.public_id}/viewing-reports", viewing(), format="json")
    before = row_counts()
    pages = {}
    for who in (staff, analyst):
        browser = Client()
        browser.force_login(who.user)
        pages[who.user.username] = browser.get("/admin/residuals/bonusdistribution/what-if/?year=2025&threshold=0.1")

    for page in pages.values():
        assert page.status_code == 200
        assert "Low Tide (LT-1), Northlight Pictures" in page.content.decode()
    assert row_counts() == before
    assert Client().get("/admin/residuals/bonusdistribution/what-if/?year=2025").status_code == 302
