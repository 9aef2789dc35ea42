"""DOMAIN.md 2.12: a studio files notice of a synthetic performer in a union role before its first
use; the union gets a case with a bargaining window (agreement data); a stand-in used before the
notice, or inside the window where the agreement says so, is a violation; a stand-in with no
notice at all keeps the after-the-fact notice case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from registry.cases.models import Case
from registry.core.vocabulary.parties import ApiScope
from registry.core.vocabulary.usage import LineStatus
from registry.parties.models import all_scopes
from registry.parties.services import api_key_issue
from registry.usage.models import SyntheticNotice
from registry.usage.services import synthetic_performer_register
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.permissions import ANONYMOUS, NOT_FOR_PERFORMERS, NOT_FOR_STAFF, listed, matrix, refused
from tests.usage.builders import line, submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/synthetic-notices/"
PROJECT = {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"}


def _notice_body(synthetic, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "synthetic_performer": synthetic.public_id,
        "agreement": "test-tvth",
        "project": PROJECT,
        "role_category": "day_performer",
        "role": "The getaway driver in the rooftop chase",
        "starts_on": (today + dt.timedelta(days=10)).isoformat(),
        "ends_on": (today + dt.timedelta(days=20)).isoformat(),
        "justification": "A digital driver adds significant value: the stunt cannot be shot safely.",
        "borrows_real_features": False,
        **overrides,
    }


@pytest.fixture
def nova(studio):
    return synthetic_performer_register(
        studio=studio.studio, name="Nova", description="A fully digital driver.", borrowings=[], actor=SYSTEM
    )


def _counts() -> tuple[int, int]:
    return SyntheticNotice.objects.count(), Case.objects.count()


def test_a_notice_opens_the_unions_case_with_its_bargaining_window(studio, agreement, nova):
    agreement.synthetic_bargaining_days = 30
    agreement.save(update_fields=["synthetic_bargaining_days"])
    today = timezone.localdate()

    response = studio.client.post(URL, _notice_body(nova), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    notice = SyntheticNotice.objects.get()
    assert (body["id"], body["bargaining_ends_on"], body["case"]) == (
        notice.public_id,
        (today + dt.timedelta(days=30)).isoformat(),
        notice.case.public_id,
    )
    case = notice.case
    assert (case.kind, case.status, case.reason_code, case.synthetic_performer, case.production_number) == (
        "synthetic_notice",
        "open",
        "synthetic_notice_filed",
        nova,
        "NLP-2027-004",
    )
    assert case.justification == "A digital driver adds significant value: the stunt cannot be shot safely."
    assert "bargaining until " + (today + dt.timedelta(days=30)).isoformat() in case.summary


def test_an_agreement_requiring_a_justification_refuses_a_notice_without_one(studio, agreement, nova):
    agreement.synthetic_notice_justification_required = True
    agreement.save(update_fields=["synthetic_notice_justification_required"])
    before = _counts()

    response = studio.client.post(URL, _notice_body(nova, justification=""), format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("justification", "required")]
    assert _counts() == before


def test_without_that_requirement_the_justification_is_optional(studio, nova):
    response = studio.client.post(URL, _notice_body(nova, justification=""), format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, "starts_on", "not_before_use"),
        ({"ends_on": (dt.date.today() + dt.timedelta(days=5)).isoformat()}, "ends_on", "dates_reversed"),
    ],
    ids=["after-first-use", "dates-reversed"],
)
def test_notice_dates_are_checked(studio, nova, changes, field, code):
    before = _counts()

    response = studio.client.post(URL, _notice_body(nova, **changes), format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert _counts() == before


def test_a_second_notice_for_the_same_project_is_a_409(studio, nova):
    assert studio.client.post(URL, _notice_body(nova), format="json").status_code == 201
    before = _counts()

    response = studio.client.post(URL, _notice_body(nova), format="json")

    assert_problem(response, 409, "conflict")
    assert _counts() == before


def test_another_studios_synthetic_performer_is_unknown(other_studio, nova):
    before = _counts()

    response = other_studio.client.post(URL, _notice_body(nova), format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("synthetic_performer", "unknown_synthetic_performer")
    ]
    assert _counts() == before


# --- Use against the notice -----------------------------------------------------------------------
def _standin(nova, use_date: dt.date, line_id: str = "S-1") -> dict:
    return line(
        line_id,
        kind="synthetic_standin",
        synthetic_performer=nova.public_id,
        agreement="test-tvth",
        role_category="day_performer",
        units="2",
        unit="days",
        use_date=use_date.isoformat(),
        estimated_days=None,
        media=None,
        territory=None,
    )


def _file(studio, nova, agreement, *, days=0, waits=False):
    agreement.synthetic_bargaining_days = days
    agreement.synthetic_use_waits_for_bargaining = waits
    agreement.save(update_fields=["synthetic_bargaining_days", "synthetic_use_waits_for_bargaining"])
    response = studio.client.post(URL, _notice_body(nova), format="json")
    assert response.status_code == 201, response.content
    return SyntheticNotice.objects.get()


def test_use_after_the_notice_is_accepted_and_opens_no_second_case(studio, agreement, nova):
    notice = _file(studio, nova, agreement, days=30)

    stored = submit(studio.studio, _standin(nova, timezone.localdate() + dt.timedelta(days=10)), now=timezone.now())

    assert stored.lines.get().status == LineStatus.ACCEPTED
    assert list(Case.objects.values_list("pk", flat=True)) == [notice.case_id]


def test_use_before_the_notice_was_filed_is_a_violation(studio, agreement, nova):
    _file(studio, nova, agreement)
    before_filing = timezone.localdate() - dt.timedelta(days=3)

    stored = submit(studio.studio, _standin(nova, before_filing), now=timezone.now())

    row = stored.lines.get()
    assert (row.status, row.violation_code) == (LineStatus.VIOLATION, "synthetic_before_notice")
    case = Case.objects.get(usage_line=row)
    assert (case.kind, case.reason_code, case.synthetic_performer) == ("violation", "synthetic_before_notice", nova)


def test_use_inside_the_window_is_a_violation_where_the_agreement_says_so(studio, agreement, nova):
    notice = _file(studio, nova, agreement, days=30, waits=True)
    inside = timezone.localdate() + dt.timedelta(days=10)
    after = notice.bargaining_ends_on

    early = submit(studio.studio, _standin(nova, inside), now=timezone.now()).lines.get()
    later = submit(studio.studio, _standin(nova, after, "S-2"), report_id="R-2", now=timezone.now()).lines.get()

    assert (early.status, early.violation_code) == (LineStatus.VIOLATION, "synthetic_during_bargaining")
    assert later.status == LineStatus.ACCEPTED


def test_use_with_no_notice_at_all_keeps_the_after_the_fact_case(studio, nova):
    stored = submit(studio.studio, _standin(nova, timezone.localdate()), now=timezone.now())

    row = stored.lines.get()
    assert row.status == LineStatus.ACCEPTED
    case = Case.objects.get()
    assert (case.kind, case.reason_code, case.usage_line) == ("synthetic_notice", "synthetic_in_union_role", row)


# --- Who may file and read notices ----------------------------------------------------------------
CALLERS = ["performer", "other_performer", "studio", "other_studio", "staff", "analyst", "anonymous", "no_scope"]
MISSING_SCOPE = (403, "missing-scope", "This API key lacks the 'usage:write' scope.")


@pytest.fixture
def notice_clients(api_clients, studio) -> dict:
    scopes = [s for s in all_scopes() if s != ApiScope.USAGE_WRITE]
    _, secret = api_key_issue(studio=studio.studio, name="read-only", scopes=scopes, actor=SYSTEM)
    no_scope = APIClient()
    no_scope.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return {**api_clients, "no_scope": no_scope}


@pytest.fixture
def filed(studio, other_studio, nova):
    vega = synthetic_performer_register(
        studio=other_studio.studio, name="Vega", description="A digital extra.", borrowings=[], actor=SYSTEM
    )
    ours = studio.client.post(URL, _notice_body(nova), format="json").json()["id"]
    theirs = other_studio.client.post(URL, _notice_body(vega), format="json").json()["id"]
    return {"ours": ours, "theirs": theirs, "nova": nova}


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": ["ours"],
            "other_studio": ["theirs"],
            "staff": ["ours", "theirs"],
            "analyst": ["ours", "theirs"],
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_who_reads_notices(filed, notice_clients, caller, expected):
    response = notice_clients[caller].get(URL)

    if isinstance(expected, list):
        assert listed(response) == sorted(filed[name] for name in expected)
    else:
        refused(response, expected, _counts(), _counts)


@pytest.mark.parametrize(
    ("caller", "expected"),
    matrix(
        CALLERS,
        {
            "performer": NOT_FOR_PERFORMERS,
            "other_performer": NOT_FOR_PERFORMERS,
            "studio": 201,
            "other_studio": (422, "consent-rule-violation", None),  # Nova is not theirs
            "staff": NOT_FOR_STAFF,
            "analyst": NOT_FOR_STAFF,
            "anonymous": ANONYMOUS,
            "no_scope": MISSING_SCOPE,
        },
    ),
)
def test_who_files_notices(studio, nova, notice_clients, caller, expected):
    body = _notice_body(nova, project={**PROJECT, "production_number": "NLP-2027-099"})
    before = _counts()

    response = notice_clients[caller].post(URL, body, format="json")

    if expected == 201:
        assert response.status_code == 201, response.content
        assert response.json()["studio"] == studio.studio.public_id
    else:
        refused(response, expected, before, _counts)
