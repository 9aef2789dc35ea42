"""List endpoints cost the same number of queries for a page of 2 rows and a page of 10 (issue 24,
item 6: `GET /api/v1/consent-requests/?page_size=500` ran a query per accepted request)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.parties.models import Performer
from tests.conftest import login_of
from tests.consent.factories import create_request, grant_for

pytestmark = pytest.mark.django_db


def _performers(prefix: str, n: int) -> list[Performer]:
    performers = []
    for i in range(n):
        performer = Performer.objects.create(
            member_number=f"{prefix}-{i}", legal_name=f"{prefix} {i}", date_of_birth=dt.date(1990, 1, 1)
        )
        login_of(performer)
        performers.append(performer)
    return performers


@pytest.fixture
def small_and_large(studio, other_studio, agreement):
    """Northlight: 2 accepted requests and 1 open; Rival: 10 accepted and 1 open."""
    for caller, prefix, n in ((studio, "S", 2), (other_studio, "L", 10)):
        performers = _performers(prefix, n + 1)
        for performer in performers[:n]:
            grant_for(caller.studio, performer, agreement)
        create_request(caller.studio, performers[n], agreement)
    return {"small": (studio, 3), "large": (other_studio, 11)}


@pytest.mark.parametrize(
    ("url", "rows"),
    [("/api/v1/consent-requests/", {"small": 3, "large": 11}), ("/api/v1/grants/", {"small": 2, "large": 10})],
)
def test_a_studios_list_costs_the_same_queries_at_any_size(small_and_large, url, rows):
    counts = {}
    for size, (caller, _) in small_and_large.items():
        with CaptureQueriesContext(connection) as captured:
            response = caller.client.get(url, {"page_size": 500})
        assert response.status_code == 200
        assert len(response.json()["results"]) == rows[size]
        counts[size] = len(captured)
    assert counts["small"] == counts["large"], counts


def test_an_accepted_request_names_its_grant_read_with_the_page(small_and_large):
    caller, _ = small_and_large["small"]
    results = caller.client.get("/api/v1/consent-requests/").json()["results"]
    assert sorted(r["grant"] is not None for r in results) == [False, True, True]
