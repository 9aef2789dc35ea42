"""Cases: the open → investigating → resolved workflow through the services and the staff admin,
each step audited, and who sees which case through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.audit.models import AuditEvent
from registry.cases.models import Case
from registry.cases.services import case_assign, case_investigate, case_resolve
from registry.core.errors import RuleViolationError, StateConflictError
from registry.usage.services import synthetic_performer_register
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM
from tests.usage.builders import REPORTED_AT, USE_DATE, line, submit

pytestmark = pytest.mark.django_db


def violation(studio, member_number: str = "SAG-1", line_id: str = "L-1") -> Case:
    """A no-grant violation: the studio reports use of a performer who never consented."""
    submit(studio, line(line_id, performer=member_number, agreement="test-tvth"), report_id=f"R-{line_id}")
    return Case.objects.get(usage_line__line_ref=line_id, studio=studio)


def notice(studio) -> Case:
    nova = synthetic_performer_register(
        studio=studio, name="Nova", description="Fully digital lead", borrowings=[], actor=SYSTEM
    )
    submit(
        studio,
        line(
            "S-1",
            kind="synthetic_standin",
            synthetic_performer=nova.public_id,
            agreement="test-tvth",
            role_category="day_performer",
            justification="Significant additional value",
        ),
        report_id="R-S",
    )
    return Case.objects.get(kind="synthetic_notice")


def case_actions(case: Case) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_type="case", subject_id=case.public_id)
        .order_by("id")
        .values_list("action", flat=True)
    )


def state(case: Case) -> tuple:
    case.refresh_from_db()
    return (case.status, case.outcome, case.notes, case.resolved_at, case.assigned_to_id, len(case_actions(case)))


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Workflow through the services ----------------------------------------------------------------
def test_case_opened_by_a_violation(studio, performer, agreement):
    case = violation(studio.studio)

    assert (case.kind, case.status, case.reason_code, case.performer, case.studio, case.opened_at) == (
        "violation",
        "open",
        "no_grant",
        performer.performer,
        studio.studio,
        REPORTED_AT,
    )
    event = AuditEvent.objects.get(action="case.opened", subject_id=case.public_id)
    assert (event.actor_kind, event.performer_id, event.studio_id) == (
        "system",
        performer.performer.public_id,
        studio.studio.public_id,
    )
    assert event.data == {
        "kind": "violation",
        "reason_code": "no_grant",
        "summary": f"Line L-1 (replica_use, {USE_DATE.isoformat()}): No consent from this performer covers this use.",
        "usage_line": case.usage_line_id,
        "production_number": "NLP-2027-004",
    }


def test_workflow_open_investigating_resolved(studio, performer, staff, agreement):
    case = violation(studio.studio)

    case_assign(case=case, assignee=staff.user, actor=SYSTEM)
    investigating = case_investigate(case=case, actor=SYSTEM, note="Asked the studio for the call sheet.")
    resolved = case_resolve(
        case=case, outcome="  Paid as use with consent  ", notes="Performer agreed.", actor=SYSTEM, now=REPORTED_AT
    )

    assert investigating.status == "investigating"
    case.refresh_from_db()
    assert (case.status, case.outcome, case.resolved_at, case.assigned_to) == (
        "resolved",
        "Paid as use with consent",
        REPORTED_AT,
        staff.user,
    )
    assert case.notes == "Asked the studio for the call sheet.\n\nPerformer agreed."
    assert resolved.status == "resolved"
    assert case_actions(case) == ["case.opened", "case.assigned", "case.investigating", "case.resolved"]
    events = {e.action: e.data for e in AuditEvent.objects.filter(subject_id=case.public_id)}
    assert events["case.assigned"] == {"kind": "violation", "assignee": "ada"}
    assert events["case.investigating"] == {"kind": "violation", "note": "Asked the studio for the call sheet."}
    assert events["case.resolved"] == {
        "kind": "violation",
        "outcome": "Paid as use with consent",
        "notes": "Performer agreed.",
    }


def test_an_open_case_may_be_resolved_directly(studio, performer, agreement):
    case = violation(studio.studio)

    case_resolve(case=case, outcome="Reported by error", notes="", actor=SYSTEM)

    case.refresh_from_db()
    assert (case.status, case.outcome, case.notes) == ("resolved", "Reported by error", "")


@pytest.mark.parametrize("outcome", ["", "   "])
def test_resolving_needs_an_outcome(studio, performer, agreement, outcome):
    case = violation(studio.studio)
    before = state(case)

    with pytest.raises(RuleViolationError) as excinfo:
        case_resolve(case=case, outcome=outcome, notes="x", actor=SYSTEM)

    assert [(p.field, p.code) for p in excinfo.value.problems] == [("outcome", "required")]
    assert state(case) == before


def test_resolving_twice_is_a_conflict(studio, performer, agreement):
    case = violation(studio.studio)
    case_resolve(case=case, outcome="Settled", notes="", actor=SYSTEM)
    before = state(case)

    with pytest.raises(StateConflictError) as excinfo:
        case_resolve(case=case, outcome="Settled again", notes="", actor=SYSTEM)

    assert excinfo.value.message == f"Case {case.public_id} is already resolved."
    assert excinfo.value.slug == "conflict"
    assert state(case) == before


@pytest.mark.parametrize("step", ["investigate", "assign"])
def test_a_resolved_case_cannot_move_or_be_assigned(studio, performer, staff, agreement, step):
    case = violation(studio.studio)
    case_resolve(case=case, outcome="Settled", notes="", actor=SYSTEM)
    before = state(case)

    with pytest.raises(StateConflictError):
        if step == "investigate":
            case_investigate(case=case, actor=SYSTEM)
        else:
            case_assign(case=case, assignee=staff.user, actor=SYSTEM)

    assert state(case) == before


def test_investigating_twice_is_a_conflict(studio, performer, agreement):
    case = violation(studio.studio)
    case_investigate(case=case, actor=SYSTEM)
    before = state(case)

    with pytest.raises(StateConflictError) as excinfo:
        case_investigate(case=case, actor=SYSTEM)

    assert excinfo.value.message == (
        f"Case {case.public_id} is investigating; only an open case moves to investigating."
    )
    assert state(case) == before


# --- The staff admin --------------------------------------------------------------------------------
def test_union_admin_resolves_through_the_admin(studio, performer, staff, agreement):
    case = violation(studio.studio)
    client = admin_client(staff.user)

    form = client.get(f"/admin/cases/case/{case.pk}/resolve/")
    response = client.post(
        f"/admin/cases/case/{case.pk}/resolve/", {"outcome": "Referred to arbitration", "notes": "Studio disputes."}
    )

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cases/case/{case.pk}/change/"
    case.refresh_from_db()
    assert (case.status, case.outcome, case.notes) == ("resolved", "Referred to arbitration", "Studio disputes.")
    event = AuditEvent.objects.get(action="case.resolved", subject_id=case.public_id)
    assert (event.actor_kind, event.actor_name) == ("staff", "ada")


def test_admin_resolve_without_outcome_shows_the_form_again(studio, performer, staff, agreement):
    case = violation(studio.studio)
    before = state(case)

    response = admin_client(staff.user).post(f"/admin/cases/case/{case.pk}/resolve/", {"outcome": "", "notes": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"outcome": ["This field is required."]}
    assert state(case) == before


def test_admin_resolving_a_resolved_case_changes_nothing(studio, performer, staff, agreement):
    case = violation(studio.studio)
    case_resolve(case=case, outcome="Settled", notes="", actor=SYSTEM)
    before = state(case)

    response = admin_client(staff.user).post(
        f"/admin/cases/case/{case.pk}/resolve/", {"outcome": "Again", "notes": ""}, follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [f"Case {case.public_id} is already resolved."]
    assert state(case) == before


def test_union_admin_assigns_through_the_admin(studio, performer, staff, analyst, agreement):
    case = violation(studio.studio)

    response = admin_client(staff.user).post(f"/admin/cases/case/{case.pk}/assign/", {"assignee": analyst.user.pk})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == analyst.user
    event = AuditEvent.objects.get(action="case.assigned", subject_id=case.public_id)
    assert (event.actor_name, event.data["assignee"]) == ("ada", "ana")


def test_admin_cannot_assign_to_a_non_staff_user(studio, performer, staff, agreement):
    case = violation(studio.studio)
    before = state(case)

    response = admin_client(staff.user).post(f"/admin/cases/case/{case.pk}/assign/", {"assignee": performer.user.pk})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["assignee"]
    assert state(case) == before


def test_union_admin_investigate_action(studio, performer, other_performer, staff, agreement):
    first = violation(studio.studio)
    second = violation(studio.studio, "SAG-2", "L-2")
    case_resolve(case=second, outcome="Settled", notes="", actor=SYSTEM)

    response = admin_client(staff.user).post(
        "/admin/cases/case/", {"action": "investigate", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("investigating", "resolved")
    assert [str(m) for m in response.context["messages"]] == [
        f"Case {second.public_id} is resolved; only an open case moves to investigating."
    ]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("resolve", {"outcome": "Settled", "notes": ""}),
        ("assign", None),
    ],
)
def test_union_analyst_cannot_resolve_or_assign(studio, performer, analyst, agreement, path, form):
    case = violation(studio.studio)
    client = admin_client(analyst.user)
    before = state(case)

    shown = client.get(f"/admin/cases/case/{case.pk}/{path}/")
    posted = client.post(f"/admin/cases/case/{case.pk}/{path}/", form or {"assignee": analyst.user.pk})

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert state(case) == before


def test_union_analyst_cannot_investigate_but_can_read(studio, performer, analyst, agreement):
    case = violation(studio.studio)
    client = admin_client(analyst.user)
    before = state(case)

    client.post("/admin/cases/case/", {"action": "investigate", "_selected_action": [case.pk]})
    page = client.get(f"/admin/cases/case/{case.pk}/change/")

    assert state(case) == before
    assert page.status_code == 200
    assert b"/resolve/" not in page.content
    assert client.get("/admin/cases/case/").status_code == 200


def test_cases_cannot_be_added_or_deleted_in_the_admin(studio, performer, staff, agreement):
    case = violation(studio.studio)
    client = admin_client(staff.user)

    assert client.get("/admin/cases/case/add/").status_code == 403
    assert client.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


# --- Who sees which case --------------------------------------------------------------------------
@pytest.fixture
def cases(studio, performer, agreement) -> dict[str, Case]:
    """Maya's violation and a synthetic notice, both with Northlight (studio)."""
    return {"violation": violation(studio.studio), "notice": notice(studio.studio)}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def test_studio_sees_its_cases(studio, cases):
    assert ids(studio.client.get("/api/v1/cases/")) == sorted(c.public_id for c in cases.values())
    assert ids(studio.client.get("/api/v1/cases/?kind=synthetic_notice")) == [cases["notice"].public_id]


def test_performer_concerned_sees_their_violation_not_the_notice(performer, cases):
    violation_case = cases["violation"]

    listed = performer.client.get("/api/v1/cases/")
    detail = performer.client.get(f"/api/v1/cases/{violation_case.public_id}")

    assert ids(listed) == [violation_case.public_id]
    assert detail.status_code == 200
    assert detail.json() == {
        "id": violation_case.public_id,
        "kind": "violation",
        "status": "open",
        "studio": violation_case.studio.public_id,
        "performer": performer.performer.public_id,
        "usage_line": "L-1",
        "grant": None,
        "synthetic_performer": None,
        "production_number": "NLP-2027-004",
        "reason_code": "no_grant",
        "summary": violation_case.summary,
        "justification": "",
        "outcome": "",
        "opened_at": "2026-10-31T09:00:00Z",
        "resolved_at": None,
    }
    assert_problem(performer.client.get(f"/api/v1/cases/{cases['notice'].public_id}"), 404, "not-found")


def test_guardian_sees_the_violation_about_their_minor(studio, minor_with_guardian, agreement):
    case = violation(studio.studio, "SAG-3")

    assert ids(minor_with_guardian.client.get("/api/v1/cases/")) == [case.public_id]


@pytest.mark.parametrize("who", ["other_performer", "other_studio"])
def test_others_see_nothing(request, cases, who):
    client = request.getfixturevalue(who).client

    assert ids(client.get("/api/v1/cases/")) == []
    for case in cases.values():
        assert_problem(client.get(f"/api/v1/cases/{case.public_id}"), 404, "not-found")


@pytest.mark.parametrize("who", ["staff", "analyst"])
def test_staff_see_every_case(request, cases, other_studio, other_performer, who):
    theirs = violation(other_studio.studio, "SAG-2", "L-9")
    client = request.getfixturevalue(who).client

    assert ids(client.get("/api/v1/cases/")) == sorted([theirs.public_id, *(c.public_id for c in cases.values())])
    assert client.get(f"/api/v1/cases/{theirs.public_id}").status_code == 200


def test_anonymous_sees_nothing(anonymous, cases):
    assert_problem(anonymous.get("/api/v1/cases/"), 401, "not-authenticated")
    assert_problem(anonymous.get(f"/api/v1/cases/{cases['violation'].public_id}"), 401, "not-authenticated")


def test_case_status_filter(staff, cases):
    case_resolve(case=cases["notice"], outcome="Bargained", notes="", actor=SYSTEM)

    assert ids(staff.client.get("/api/v1/cases/?status=open")) == [cases["violation"].public_id]
    assert ids(staff.client.get("/api/v1/cases/?status=resolved")) == [cases["notice"].public_id]
