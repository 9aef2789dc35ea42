"""Who may call each residuals endpoint, what they get back, and that a refusal changes nothing.

Callers: the performer concerned (Maya, in Northlight's cast), another performer (Leo, in
Rival's), the studio concerned (Northlight), another studio (Rival), staff (admin and analyst)
and anonymous; then keys of the studio concerned that lack the endpoint's scope.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import Performer
from registry.residuals.models import Title
from tests.api.conftest import assert_problem
from tests.permissions import (
    ANONYMOUS,
    NOT_FOR_PERFORMERS,
    NOT_FOR_STAFF,
    NOT_FOR_STUDIOS,
    NOT_FOUND,
    listed,
    matrix,
    refused,
)
from tests.residuals.builders import row_counts
from tests.residuals.conftest import licence_term

pytestmark = pytest.mark.django_db

CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous"]


def _ids(residuals_world, *names: str) -> list[str]:
    return sorted(getattr(residuals_world, name).public_id for name in names)


# --- Titles -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": ["title"],
            "other_studio": ["rival_title"],
            "staff": ["title", "rival_title"],
            "analyst": ["title", "rival_title"],
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_list_titles(residuals_world, api_clients, caller, expected):
    before = row_counts()

    response = api_clients[caller].get("/api/v1/titles/")

    if isinstance(expected, list):
        assert listed(response) == _ids(residuals_world, *expected)
    else:
        refused(response, expected, before, row_counts)


NEW_TITLE = {
    "project": {"kind": "picture", "title": "Low Tide", "production_number": "LT-1"},
    "agreement": "test-tvth",
    "streaming_service": "Streamline+",
    "release_date": "2026-01-05",
    "runtime_minutes": 104,
    "high_budget_svod": True,
    "cast": [{"performer": "SAG-1", "residual_base": "2500.00"}],
}


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 201,
            "other_studio": 201,  # its own title: both studios sign the agreement
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_register_title(residuals_world, api_clients, request, caller, expected):
    before = row_counts()

    response = api_clients[caller].post("/api/v1/titles/", NEW_TITLE, format="json")

    if expected == 201:
        assert response.status_code == 201, response.content
        studio = request.getfixturevalue(caller).studio
        assert response.json()["studio"] == studio.public_id
        assert Title.objects.filter(studio=studio, production_number="LT-1").count() == 1
    else:
        refused(response, expected, before, row_counts)


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
        },
    ),
)
def test_get_title(residuals_world, api_clients, caller, expected):
    before = row_counts()

    response = api_clients[caller].get(f"/api/v1/titles/{residuals_world.title.public_id}")

    if expected == 200:
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["id"], [c["residual_base"] for c in body["cast"]]) == (
            residuals_world.title.public_id,
            ["3000.00", "1000.00"],
        )
    else:
        refused(response, expected, before, row_counts)


# --- Viewing reports --------------------------------------------------------------------------
def _not_yours(residuals_world) -> tuple:
    return (404, "not-found", f"You have no title with id {residuals_world.title.public_id}.")


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 201,
            "other_studio": "not yours",
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_report_viewing(residuals_world, api_clients, caller, expected):
    before = row_counts()
    body = {
        "exhibition_year": 1,
        "hours_streamed": "250000",
        "domestic_subscribers": 1_000_000,
        "subscribers_as_of": timezone.localdate().isoformat(),
    }

    response = api_clients[caller].post(
        f"/api/v1/titles/{residuals_world.title.public_id}/viewing-reports", body, format="json"
    )

    if expected == 201:
        assert response.status_code == 201, response.content
        assert (response.json()["decision"]["outcome"], response.json()["distribution"]) == (
            "already_qualified",
            None,
        )
    else:
        refused(response, _not_yours(residuals_world) if expected == "not yours" else expected, before, row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": ["report"],
            "other_studio": ["rival_report"],
            "staff": ["report", "rival_report"],
            "analyst": ["report", "rival_report"],
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_list_viewing_reports(residuals_world, api_clients, caller, expected):
    before = row_counts()

    response = api_clients[caller].get("/api/v1/viewing-reports/")

    if isinstance(expected, list):
        assert listed(response) == _ids(residuals_world, *expected)
    else:
        refused(response, expected, before, row_counts)


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
        },
    ),
)
def test_get_viewing_report(residuals_world, api_clients, caller, expected):
    before = row_counts()

    response = api_clients[caller].get(f"/api/v1/viewing-reports/{residuals_world.report.public_id}")

    if expected == 200:
        assert response.status_code == 200, response.content
        decision = response.json()["decision"]
        assert (decision["outcome"], decision["views"], decision["required_views"]) == (
            "qualified",
            "200000.0000",
            "200000.0000",
        )
        assert response.json()["distribution"] == residuals_world.distribution.public_id
    else:
        refused(response, expected, before, row_counts)


# --- Bonus distributions ----------------------------------------------------------------------
def _share_members(row: dict, residuals_world) -> list[str]:
    """The member numbers of the performers whose shares the row shows."""
    numbers = dict(Performer.objects.values_list("public_id", "member_number"))
    return sorted(numbers[s["performer"]] for s in row["shares"])


@pytest.mark.parametrize(
    ("caller", "expected", "members"),
    [
        pytest.param("performer", ["distribution"], ["SAG-1"], id="performer"),  # Maya's share only, not Ada's
        pytest.param("other_performer", ["rival_distribution"], ["SAG-2"], id="other_performer"),
        pytest.param("studio", ["distribution"], ["SAG-1", "SAG-9"], id="studio"),
        pytest.param("other_studio", ["rival_distribution"], ["SAG-2"], id="other_studio"),
        pytest.param("staff", ["distribution", "rival_distribution"], ["SAG-1", "SAG-2", "SAG-9"], id="staff"),
        pytest.param("analyst", ["distribution", "rival_distribution"], ["SAG-1", "SAG-2", "SAG-9"], id="analyst"),
        pytest.param("anonymous", ANONYMOUS, None, id="anonymous"),
    ],
)
def test_list_bonus_distributions(residuals_world, api_clients, caller, expected, members):
    before = row_counts()

    response = api_clients[caller].get("/api/v1/bonus-distributions/")

    if isinstance(expected, list):
        assert listed(response) == _ids(residuals_world, *expected)
        rows = response.json()["results"]
        assert sorted(m for row in rows for m in _share_members(row, residuals_world)) == members
    else:
        refused(response, expected, before, row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": ["SAG-1"],
            "other_performer": NOT_FOUND,
            "studio": ["SAG-1", "SAG-9"],
            "other_studio": NOT_FOUND,
            "staff": ["SAG-1", "SAG-9"],
            "analyst": ["SAG-1", "SAG-9"],
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_get_bonus_distribution(residuals_world, api_clients, caller, expected):
    before = row_counts()

    response = api_clients[caller].get(f"/api/v1/bonus-distributions/{residuals_world.distribution.public_id}")

    if isinstance(expected, list):
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["bonus_total"], body["performers_total"], body["fund_amount"]) == (
            "4000.00",
            "3000.00",
            "1000.00",
        )
        assert _share_members(body, residuals_world) == expected
    else:
        refused(response, expected, before, row_counts)


# --- Training licences ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 201,
            "other_studio": "not yours",
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_record_training_licence(residuals_world, api_clients, caller, expected):
    before = row_counts()
    start, end = licence_term()
    body = {"licensee": "Orbit AI", "fee": "9000.00", "term_start": start.isoformat(), "term_end": end.isoformat()}

    response = api_clients[caller].post(
        f"/api/v1/titles/{residuals_world.title.public_id}/training-licences", body, format="json"
    )

    if expected == 201:
        assert response.status_code == 201, response.content
        assert [s["consent_basis"] for s in response.json()["shares"]] == ["none", "none"]
    else:
        refused(response, _not_yours(residuals_world) if expected == "not yours" else expected, before, row_counts)


@pytest.mark.parametrize(
    ("caller", "expected", "members"),
    [
        pytest.param("performer", ["licence"], ["SAG-1"], id="performer"),
        pytest.param("other_performer", ["rival_licence"], ["SAG-2"], id="other_performer"),
        pytest.param("studio", ["licence"], ["SAG-1", "SAG-9"], id="studio"),
        pytest.param("other_studio", ["rival_licence"], ["SAG-2"], id="other_studio"),
        pytest.param("staff", ["licence", "rival_licence"], ["SAG-1", "SAG-2", "SAG-9"], id="staff"),
        pytest.param("analyst", ["licence", "rival_licence"], ["SAG-1", "SAG-2", "SAG-9"], id="analyst"),
        pytest.param("anonymous", ANONYMOUS, None, id="anonymous"),
    ],
)
def test_list_training_licences(residuals_world, api_clients, caller, expected, members):
    before = row_counts()

    response = api_clients[caller].get("/api/v1/training-licences/")

    if isinstance(expected, list):
        assert listed(response) == _ids(residuals_world, *expected)
        rows = response.json()["results"]
        assert sorted(m for row in rows for m in _share_members(row, residuals_world)) == members
    else:
        refused(response, expected, before, row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": ["SAG-1"],
            "other_performer": NOT_FOUND,
            "studio": ["SAG-1", "SAG-9"],
            "other_studio": NOT_FOUND,
            "staff": ["SAG-1", "SAG-9"],
            "analyst": ["SAG-1", "SAG-9"],
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_get_training_licence(residuals_world, api_clients, caller, expected):
    before = row_counts()

    response = api_clients[caller].get(f"/api/v1/training-licences/{residuals_world.licence.public_id}")

    if isinstance(expected, list):
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["licensee"], body["fee"], body["performers_total"]) == ("Lumen Labs", "100000.00", "50000.00")
        assert _share_members(body, residuals_world) == expected
    else:
        refused(response, expected, before, row_counts)


# --- Earnings and the what-if -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": 200,
            "other_performer": (404, "not-found", "No such performer."),
            "studio": NOT_FOR_STUDIOS,
            "other_studio": NOT_FOR_STUDIOS,
            "staff": 200,
            "analyst": 200,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_performer_earnings(residuals_world, api_clients, performer, caller, expected):
    before = row_counts()
    period = timezone.localdate().strftime("%Y-%m")

    response = api_clients[caller].get(f"/api/v1/performers/{performer.performer.public_id}/earnings?period={period}")

    if expected == 200:
        assert response.status_code == 200, response.content
        body = response.json()
        # The bonus (2,250.00 of 3,000.00 at 3,000 : 1,000) and the licence (37,500.00 of 50,000.00).
        assert sorted((r["use"], r["amount"]) for r in body["residuals"]) == [
            ("streaming_success_bonus", "2250.00"),
            ("training_licence", "37500.00"),
        ]
        assert (body["residual_totals"], body["grand_totals"], body["totals"]) == (
            {"USD": "39750.00"},
            {"USD": "39750.00"},
            {},
        )
    else:
        refused(response, expected, before, row_counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": NOT_FOR_STUDIOS,
            "other_studio": NOT_FOR_STUDIOS,
            "staff": 200,
            "analyst": 200,
            "anonymous": ANONYMOUS,
        },
    ),
)
def test_bonus_what_if(residuals_world, api_clients, caller, expected):
    before = row_counts()
    year = residuals_world.report.window_start.year

    response = api_clients[caller].get(f"/api/v1/streaming-bonus/what-if?year={year}&bonus_share=1.5")

    assert row_counts() == before
    if expected == 200:
        assert response.status_code == 200, response.content
        (total,) = response.json()["totals"]
        # Casts of 4,000.00 and 2,000.00: paid 6,000.00; at 150%, 9,000.00.
        assert (total["actual_bonus"], total["what_if_bonus"], total["difference"]) == (
            "6000.00",
            "9000.00",
            "3000.00",
        )
    else:
        refused(response, expected, before, row_counts)


# --- Scopes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "/api/v1/titles/", ApiScope.USAGE_WRITE),
        ("post", "/api/v1/titles/", ApiScope.USAGE_WRITE),
        ("get", "/api/v1/titles/{title}", ApiScope.USAGE_WRITE),
        ("post", "/api/v1/titles/{title}/viewing-reports", ApiScope.USAGE_WRITE),
        ("post", "/api/v1/titles/{title}/training-licences", ApiScope.USAGE_WRITE),
        ("get", "/api/v1/viewing-reports/", ApiScope.USAGE_WRITE),
        ("get", "/api/v1/viewing-reports/{report}", ApiScope.USAGE_WRITE),
        ("get", "/api/v1/bonus-distributions/", ApiScope.BILLING_READ),
        ("get", "/api/v1/bonus-distributions/{distribution}", ApiScope.BILLING_READ),
        ("get", "/api/v1/training-licences/", ApiScope.USAGE_WRITE),
        ("get", "/api/v1/training-licences/{licence}", ApiScope.USAGE_WRITE),
    ],
)
def test_a_key_without_the_scope_is_refused(residuals_world, key_without, method, path, scope):
    client = key_without(scope)
    before = row_counts()
    url = path.format(
        title=residuals_world.title.public_id,
        report=residuals_world.report.public_id,
        distribution=residuals_world.distribution.public_id,
        licence=residuals_world.licence.public_id,
    )

    response = getattr(client, method)(url, {}, format="json")

    body = assert_problem(response, 403, "missing-scope", f"This API key lacks the '{scope}' scope.")
    assert body["required_scope"] == scope
    assert row_counts() == before


# --- The admin --------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["title", "viewingreport", "bonusdistribution", "traininglicence"])
def test_staff_read_residuals_in_the_admin_and_cannot_change_them(residuals_world, staff, model):
    from django.test import Client

    browser = Client()
    browser.force_login(staff.user)
    obj = {
        "title": residuals_world.title,
        "viewingreport": residuals_world.report,
        "bonusdistribution": residuals_world.distribution,
        "traininglicence": residuals_world.licence,
    }[model]
    before = row_counts()

    listing = browser.get(f"/admin/residuals/{model}/")
    page = browser.get(f"/admin/residuals/{model}/{obj.pk}/change/")
    add = browser.get(f"/admin/residuals/{model}/add/")
    post = browser.post(f"/admin/residuals/{model}/{obj.pk}/change/", {})
    delete = browser.post(f"/admin/residuals/{model}/{obj.pk}/delete/", {"post": "yes"})

    assert (listing.status_code, page.status_code) == (200, 200)
    assert obj.public_id in page.content.decode()
    assert (add.status_code, post.status_code, delete.status_code) == (403, 403, 403)
    assert row_counts() == before
