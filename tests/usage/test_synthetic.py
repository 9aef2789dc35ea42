"""Synthetic performers: registered only with the consent of each performer whose feature they
borrow; a stand-in in a union role opens one notice case per project; a borrowed feature
without consent on the use date makes the line a violation."""

from __future__ import annotations

import pytest

from registry.audit.models import AuditEvent
from registry.cases.models import Case
from registry.cases.services import case_resolve
from registry.consent import services as consent_services
from registry.core.errors import RuleViolationError
from registry.core.vocabulary.usage import LineStatus
from registry.usage.models import FeatureBorrowing, SyntheticPerformer, UsageLine
from registry.usage.services import synthetic_performer_register
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM, login_of
from tests.usage.builders import (
    D0,
    DAY,
    REPORTED_AT,
    SEQUEL,
    T0,
    USE_DATE,
    error_fields,
    granted,
    line,
    report,
    row_counts,
    submit,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/synthetic-performers/"
NOVA = {"name": "Nova", "description": "A fully digital lead for the rooftop chase, designed in house."}
# Long enough to be live whenever these tests run: registration checks the grant as it stands now.
LONG = 3000


def standin(line_id: str = "S-1", synthetic: str = "", **changes) -> dict:
    values = {
        "kind": "synthetic_standin",
        "synthetic_performer": synthetic,
        "agreement": "test-tvth",
        "role_category": "day_performer",
        "units": "2",
        "unit": "days",
        "justification": "A digital lead adds significant value: the chase cannot be shot safely.",
        "estimated_days": None,
        "media": None,
        "territory": None,
        **changes,
    }
    return line(line_id, **values)


def register(studio, *borrowings, name: str = "Nova", now=None) -> SyntheticPerformer:
    return synthetic_performer_register(
        studio=studio,
        name=name,
        description=NOVA["description"],
        borrowings=list(borrowings),
        actor=SYSTEM,
        now=now,
    )


# --- Registering ----------------------------------------------------------------------------------
def test_borrowing_a_feature_without_consent_is_refused(studio, performer, agreement):
    # given the performer consented to a replica, not to a synthetic performer borrowing their face
    granted(studio.studio, performer.performer, agreement, days=LONG)
    before = row_counts()

    response = studio.client.post(
        URL, {**NOVA, "borrowings": [{"performer": performer.performer.public_id, "feature": "face"}]}, format="json"
    )

    body = assert_problem(response, 422, "consent-rule-violation")
    assert body["errors"] == [
        {
            "field": "borrowings.0.performer",
            "code": "no_feature_consent",
            "message": "Maya Okafor has not consented to a synthetic performer borrowing their face; "
            "request synthetic_feature consent first.",
        }
    ]
    assert row_counts() == before


def test_each_borrowing_without_consent_is_named(studio, performer, other_performer, agreement):
    granted(studio.studio, performer.performer, agreement, use="synthetic_feature", days=LONG)
    before = row_counts()

    response = studio.client.post(
        URL,
        {
            **NOVA,
            "borrowings": [
                {"performer": "SAG-1", "feature": "face"},
                {"performer": "SAG-2", "feature": "voice"},
            ],
        },
        format="json",
    )

    assert_problem(response, 422, "consent-rule-violation")
    assert error_fields(response) == [("borrowings.1.performer", "no_feature_consent")]
    assert row_counts() == before


@pytest.mark.parametrize("what", ["other_studio", "revoked", "suspended", "struck"])
def test_feature_grant_that_is_not_live_with_this_studio_does_not_count(
    studio, other_studio, performer, agreement, what
):
    owner = other_studio.studio if what == "other_studio" else studio.studio
    grant = granted(owner, performer.performer, agreement, use="synthetic_feature", days=LONG)
    if what == "revoked":
        consent_services.grant_revoke(grant=grant, reason="No", acting_user=login_of(grant.performer), now=T0 + DAY)
    elif what == "suspended":
        consent_services.grant_suspend(
            grant=grant, reason="Pause", acting_user=login_of(grant.performer), now=T0 + DAY
        )
    elif what == "struck":
        consent_services.strike_declare(
            agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM, now=T0 + DAY
        )
    before = row_counts()

    with pytest.raises(RuleViolationError) as excinfo:
        register(studio.studio, (performer.performer, "face"))

    assert [(p.field, p.code) for p in excinfo.value.problems] == [("borrowings.0.performer", "no_feature_consent")]
    assert row_counts() == before


def test_registers_with_a_live_feature_grant(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement, use="synthetic_feature", days=LONG)

    response = studio.client.post(
        URL, {**NOVA, "borrowings": [{"performer": "SAG-1", "feature": " face "}]}, format="json"
    )

    assert response.status_code == 201, response.content
    synthetic = SyntheticPerformer.objects.get()
    body = response.json()
    assert body == {
        "id": synthetic.public_id,
        "name": "Nova",
        "description": NOVA["description"],
        "created_at": body["created_at"],
        "borrowings": [{"performer": performer.performer.public_id, "feature": "face", "grant": grant.public_id}],
    }
    borrowing = FeatureBorrowing.objects.get()
    assert (borrowing.synthetic_performer, borrowing.performer, borrowing.feature, borrowing.grant) == (
        synthetic,
        performer.performer,
        "face",
        grant,
    )
    event = AuditEvent.objects.get(action="synthetic_performer.registered")
    assert (event.subject_id, event.studio_id) == (synthetic.public_id, studio.studio.public_id)
    assert event.data == {
        "name": "Nova",
        "borrowings": [{"performer": performer.performer.public_id, "feature": "face", "grant": grant.public_id}],
    }


def test_fully_synthetic_performer_needs_no_consent(studio):
    response = studio.client.post(URL, NOVA, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["borrowings"] == []


def test_the_same_name_twice_is_refused(studio):
    register(studio.studio)
    before = row_counts()

    response = studio.client.post(URL, NOVA, format="json")

    assert_problem(response, 422, "consent-rule-violation")
    assert response.json()["errors"] == [
        {"field": "name", "code": "duplicate", "message": "You already registered a synthetic performer named 'Nova'."}
    ]
    assert row_counts() == before


def test_another_studio_may_use_the_same_name(studio, other_studio):
    register(studio.studio)

    response = other_studio.client.post(URL, NOVA, format="json")

    assert response.status_code == 201, response.content
    assert SyntheticPerformer.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status", "slug", "errors"),
    [
        (
            {**NOVA, "borrowings": [{"performer": "SAG-404", "feature": "face"}]},
            422,
            "consent-rule-violation",
            [("borrowings.0.performer", "unknown_performer")],
        ),
        ({"name": "Nova"}, 400, "validation-error", [("description", "required")]),
        (
            {**NOVA, "borrowings": [{"performer": "SAG-1"}]},
            400,
            "validation-error",
            [("borrowings.0.feature", "required")],
        ),
    ],
)
def test_bad_registration_is_refused(studio, performer, body, status, slug, errors):
    before = row_counts()

    response = studio.client.post(URL, body, format="json")

    assert_problem(response, status, slug)
    assert error_fields(response) == errors
    assert row_counts() == before


# --- Stand-in lines: one notice case per project ----------------------------------------------------
def test_standin_opens_one_notice_case_per_project(studio, agreement):
    # given a fully synthetic performer
    nova = register(studio.studio)

    # when two lines in one report and one in a later report use it in the same picture
    first = submit(
        studio.studio,
        standin("S-1", nova.public_id),
        standin("S-2", nova.public_id, use_date=(USE_DATE + DAY).isoformat(), justification="Other words"),
    )
    submit(studio.studio, standin("S-3", nova.public_id, use_date=(USE_DATE + 2 * DAY).isoformat()), report_id="R-2")

    # then one notice case is open for the picture, carrying the first justification
    case = Case.objects.get()
    assert (case.kind, case.status, case.reason_code, case.studio, case.performer, case.synthetic_performer) == (
        "synthetic_notice",
        "open",
        "synthetic_in_union_role",
        studio.studio,
        None,
        nova,
    )
    assert (case.production_number, case.usage_line.line_ref, case.opened_at) == ("NLP-2027-004", "S-1", REPORTED_AT)
    assert case.justification == "A digital lead adds significant value: the chase cannot be shot safely."
    assert case.summary == (
        f"Nova stands in for a day performer in The Long Night (NLP-2027-004) from {USE_DATE.isoformat()}."
    )
    assert set(UsageLine.objects.values_list("status", flat=True)) == {LineStatus.ACCEPTED}
    assert (first.accepted_count, first.violation_count) == (2, 0)
    assert AuditEvent.objects.filter(action="case.opened").count() == 1


def test_standin_in_another_project_opens_another_notice(studio, agreement):
    nova = register(studio.studio)
    project = {"kind": "picture", "title": SEQUEL.title, "production_number": SEQUEL.production_number}

    submit(studio.studio, standin("S-1", nova.public_id), standin("S-2", nova.public_id, project=project))

    assert sorted(Case.objects.values_list("kind", "production_number")) == [
        ("synthetic_notice", "NLP-2027-004"),
        ("synthetic_notice", "NLP-2029-001"),
    ]


def test_a_resolved_notice_lets_a_later_use_open_a_new_one(studio, agreement):
    nova = register(studio.studio)
    submit(studio.studio, standin("S-1", nova.public_id))
    case_resolve(case=Case.objects.get(), outcome="Bargained", notes="", actor=SYSTEM)

    submit(studio.studio, standin("S-2", nova.public_id), report_id="R-2")

    assert list(Case.objects.order_by("id").values_list("status", "usage_line__line_ref")) == [
        ("resolved", "S-1"),
        ("open", "S-2"),
    ]


def test_voice_track_opens_no_notice(studio, agreement):
    from registry.terms.services import pricing_rule_set

    # Priced as Sound Recordings prices it: the label states the human vocal's royalty per track.
    pricing_rule_set(
        agreement=agreement, usage_kind="synthetic_voice_track", values={"ph_applies": False}, actor=SYSTEM
    )
    nova = register(studio.studio)
    track = standin("V-1", nova.public_id, kind="synthetic_voice_track", unit="tracks", units="3", role_category=None)

    # A track with no royalty stated cannot be priced: refused when reported, naming what to add.
    refused = studio.client.post("/api/v1/usage-reports/", report("R-0", track), format="json")
    assert refused.status_code == 422
    assert error_fields(refused) == [("lines.0", "amount_required")]

    stored = submit(studio.studio, {**track, "negotiated_amount": "150.00"})

    assert stored.lines.get().status == LineStatus.ACCEPTED
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"role_category": None}, [("lines.0.role_category", "required")]),
        ({"synthetic_performer": "syn_nope"}, [("lines.0.synthetic_performer", "unknown_synthetic_performer")]),
        ({"synthetic_performer": None}, [("lines.0.synthetic_performer", "unknown_synthetic_performer")]),
        ({"agreement": None}, [("lines.0.agreement", "required")]),
        ({"agreement": "no-such"}, [("lines.0.agreement", "unknown_agreement")]),
        ({"unit": "tracks"}, [("lines.0.unit", "unit_not_allowed")]),
    ],
)
def test_bad_standin_line_is_refused(studio, agreement, changes, errors):
    nova = register(studio.studio)
    before = row_counts()

    response = studio.client.post(
        "/api/v1/usage-reports/", report("R-1", standin("S-1", nova.public_id, **changes)), format="json"
    )

    assert_problem(response, 422, "usage-report-rejected")
    assert error_fields(response) == errors
    assert row_counts() == before


def test_another_studios_synthetic_performer_cannot_be_reported(studio, other_studio, agreement):
    theirs = register(other_studio.studio)
    before = row_counts()

    response = studio.client.post(
        "/api/v1/usage-reports/", report("R-1", standin("S-1", theirs.public_id)), format="json"
    )

    assert_problem(response, 422, "usage-report-rejected")
    assert error_fields(response) == [("lines.0.synthetic_performer", "unknown_synthetic_performer")]
    assert row_counts() == before


# --- Borrowed features on the use date -----------------------------------------------------------
def test_standin_whose_borrowed_feature_consent_was_revoked_is_a_violation(
    studio, performer, other_performer, agreement
):
    # given Nova borrows Maya's face and Leo's voice; Maya revokes before the use date
    maya = granted(studio.studio, performer.performer, agreement, use="synthetic_feature")
    granted(studio.studio, other_performer.performer, agreement, use="synthetic_feature")
    nova = register(
        studio.studio, (performer.performer, "face"), (other_performer.performer, "voice"), now=T0 + 2 * DAY
    )
    consent_services.grant_revoke(
        grant=maya, reason="Not any more", acting_user=login_of(maya.performer), now=T0 + 10 * DAY
    )

    # when the studio reports Nova standing in on day 30
    stored = submit(studio.studio, standin("S-1", nova.public_id))

    # then the line is a violation naming Maya, and the notice case opens as well
    row = stored.lines.get()
    detail = (
        "Nova borrows the face of a performer whose feature-borrowing consent does not cover this use: "
        "The performer revoked this consent."
    )
    assert (row.status, row.violation_code, row.violation_detail) == (
        LineStatus.VIOLATION,
        "no_feature_consent",
        detail,
    )
    violation = Case.objects.get(kind="violation")
    assert (violation.reason_code, violation.performer, violation.synthetic_performer, violation.usage_line) == (
        "no_feature_consent",
        performer.performer,
        nova,
        row,
    )
    assert violation.summary == f"Line S-1 (synthetic_standin, {USE_DATE.isoformat()}): {detail}"
    assert Case.objects.filter(kind="synthetic_notice").count() == 1
    # Maya sees the case about her; Leo, whose consent held, does not
    assert [c["id"] for c in performer.client.get("/api/v1/cases/").json()["results"]] == [violation.public_id]
    assert other_performer.client.get("/api/v1/cases/").json()["results"] == []


def test_standin_before_the_borrowed_feature_consent_was_revoked_is_accepted(studio, performer, agreement):
    maya = granted(studio.studio, performer.performer, agreement, use="synthetic_feature")
    nova = register(studio.studio, (performer.performer, "face"), now=T0 + 2 * DAY)
    consent_services.grant_revoke(
        grant=maya, reason="Not any more", acting_user=login_of(maya.performer), now=T0 + 40 * DAY
    )

    stored = submit(studio.studio, standin("S-1", nova.public_id, use_date=(D0 + 30 * DAY).isoformat()))

    assert stored.lines.get().status == LineStatus.ACCEPTED
    assert list(Case.objects.values_list("kind", flat=True)) == ["synthetic_notice"]


def test_standin_in_a_project_the_feature_consent_does_not_cover_is_a_violation(studio, performer, agreement):
    granted(studio.studio, performer.performer, agreement, use="synthetic_feature")
    nova = register(studio.studio, (performer.performer, "face"), now=T0 + 2 * DAY)
    project = {"kind": "picture", "title": SEQUEL.title, "production_number": SEQUEL.production_number}

    stored = submit(studio.studio, standin("S-1", nova.public_id, project=project))

    row = stored.lines.get()
    assert (row.status, row.violation_code) == (LineStatus.VIOLATION, "no_feature_consent")
    assert row.violation_detail.endswith("The grant covers another project; a new consent is needed.")


def test_the_same_borrowing_twice_is_refused(studio, performer, agreement):
    granted(studio.studio, performer.performer, agreement, use="synthetic_feature", days=LONG)
    before = row_counts()

    response = studio.client.post(
        URL,
        {
            **NOVA,
            "borrowings": [
                {"performer": "SAG-1", "feature": "face"},
                {"performer": performer.performer.public_id, "feature": "face"},
            ],
        },
        format="json",
    )

    assert response.status_code in {400, 422}, response.content
    assert [field for field, _ in error_fields(response)] == ["borrowings.1.feature"]
    assert row_counts() == before
