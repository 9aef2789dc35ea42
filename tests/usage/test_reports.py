"""Usage reports: each line judged against consent as it stood on its use date, violations kept
with a case, replays and conflicts, bad input refused whole, and retraction."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connections

from registry.audit.models import AuditEvent
from registry.cases.models import Case
from registry.consent import rules
from registry.consent import services as consent_services
from registry.consent.selectors import consent_check
from registry.core.errors import StateConflictError
from registry.core.vocabulary.usage import LineStatus
from registry.usage.models import UsageLine, UsageReport
from registry.usage.rules import MAX_LINES, LineInput
from registry.usage.services import UsageRejectedError, usage_report_submit
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM, login_of
from tests.usage.builders import (
    D0,
    DAY,
    PICTURE,
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

URL = "/api/v1/usage-reports/"
TWO_HOURS = dt.timedelta(hours=2)


def post(caller, body, **headers):
    # json.dumps escapes lone surrogates ("\\ud800"), as a client's JSON encoder does
    return caller.client.post(URL, json.dumps(body), content_type="application/json", **headers)


def case_of(usage_line: UsageLine) -> Case:
    return Case.objects.get(usage_line=usage_line)


# --- Accepted lines -------------------------------------------------------------------------------
def test_accepted_line_records_its_covering_grant(studio, performer, agreement):
    # given an active grant for the picture
    grant = granted(studio.studio, performer.performer, agreement)

    # when the studio reports one day of replica use inside its term
    response = post(studio, report("R-1", line("L-1", grant=grant.public_id)))

    # then the line is accepted and names the grant that covered it
    assert response.status_code == 201, response.content
    body = response.json()
    stored = UsageReport.objects.get()
    assert body == {
        "id": stored.public_id,
        "report_id": "R-1",
        "received_at": body["received_at"],
        "lines": 1,
        "accepted": 1,
        "violation_count": 0,
        "violations": [],
    }
    row = UsageLine.objects.get()
    assert (row.status, row.grant, row.covering_grant, row.performer, row.agreement) == (
        LineStatus.ACCEPTED,
        grant,
        grant,
        performer.performer,
        agreement,
    )
    assert (row.use_date, row.units, row.unit, row.currency, row.media, row.territory) == (
        USE_DATE,
        Decimal("1.00"),
        "days",
        "USD",
        ["streaming"],
        ["US"],
    )
    assert (row.violation_code, row.violation_detail) == ("", "")
    assert Case.objects.count() == 0
    event = AuditEvent.objects.get(action="usage_report.received")
    assert (event.subject_id, event.studio_id) == (stored.public_id, studio.studio.public_id)
    assert event.data["lines"] == 1
    assert event.data["accepted"] == 1
    assert event.data["violations"] == 0
    assert event.data["cases"] == []


def test_line_naming_only_the_performer_is_matched_to_the_covering_grant(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)

    stored = submit(studio.studio, line("L-1", performer="SAG-1", agreement="test-tvth"))

    row = stored.lines.get()
    assert (row.status, row.grant, row.covering_grant, row.performer) == (
        LineStatus.ACCEPTED,
        None,
        grant,
        performer.performer,
    )


def test_late_line_for_a_long_past_date_is_accepted(studio, performer, agreement):
    # given consent that covered the second day of its term
    grant = granted(studio.studio, performer.performer, agreement)

    # when the line is reported months later (at the real present, through the API)
    response = post(studio, report("R-late", line("L-late", grant=grant.public_id, use_date=(D0 + DAY).isoformat())))

    # then it is judged as of its use date and accepted
    assert response.status_code == 201, response.content
    assert response.json()["accepted"] == 1
    assert UsageLine.objects.get().covering_grant == grant


def test_line_valid_on_its_use_date_stays_accepted_when_revoked_later(studio, performer, agreement):
    # given a grant revoked ten days after the use date
    grant = granted(studio.studio, performer.performer, agreement)
    consent_services.grant_revoke(
        grant=grant, reason="No longer", acting_user=login_of(grant.performer), now=T0 + 40 * DAY
    )

    # when the studio reports the earlier use, and a use after the revocation
    response = post(
        studio,
        report(
            "R-1",
            line("L-before", grant=grant.public_id, use_date=(D0 + 30 * DAY).isoformat()),
            line("L-after", grant=grant.public_id, use_date=(D0 + 41 * DAY).isoformat()),
        ),
    )

    # then the line is judged against the grant as it stood on its use date
    assert response.status_code == 201, response.content
    assert (response.json()["accepted"], response.json()["violation_count"]) == (1, 1)
    statuses = dict(UsageLine.objects.values_list("line_ref", "status"))
    assert statuses == {"L-before": LineStatus.ACCEPTED, "L-after": LineStatus.VIOLATION}
    assert UsageLine.objects.get(line_ref="L-before").covering_grant == grant
    assert list(Case.objects.values_list("usage_line__line_ref", "reason_code")) == [("L-after", "revoked")]


def test_consent_revoked_during_the_day_of_use_does_not_cover_it(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    consent_services.grant_revoke(
        grant=grant,
        reason="No longer",
        acting_user=login_of(grant.performer),
        now=dt.datetime.combine(USE_DATE, dt.time(15), tzinfo=dt.UTC),
    )

    stored = submit(studio.studio, line("L-1", grant=grant.public_id, use_date=USE_DATE.isoformat()))

    assert stored.lines.get().violation_code == "revoked"


def test_line_after_a_strike_is_lifted_is_accepted(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    strike = consent_services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM, now=T0 + 10 * DAY
    )
    consent_services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 20 * DAY)

    stored = submit(
        studio.studio,
        line("L-during", grant=grant.public_id, use_date=(D0 + 15 * DAY).isoformat()),
        line("L-after", grant=grant.public_id, use_date=(D0 + 25 * DAY).isoformat()),
    )

    assert dict(stored.lines.values_list("line_ref", "violation_code")) == {
        "L-during": "suspended_by_strike",
        "L-after": "",
    }


# --- Violations: stored, each with a case ---------------------------------------------------------
def _revoked(grant):
    consent_services.grant_revoke(
        grant=grant, reason="I withdraw", acting_user=login_of(grant.performer), now=T0 + 10 * DAY
    )


def _suspended(grant):
    consent_services.grant_suspend(
        grant=grant, reason="Pause", acting_user=login_of(grant.performer), now=T0 + 10 * DAY
    )


def _struck(grant):
    consent_services.strike_declare(
        agreement=grant.agreement, studios=[grant.studio], reason="Strike", actor=SYSTEM, now=T0 + 10 * DAY
    )


@pytest.mark.parametrize(
    ("days", "after_grant", "changes", "code", "detail"),
    [
        (
            365,
            None,
            {"project": {"kind": "picture", "title": "II", "production_number": "NLP-2029-001"}},
            "outside_scope",
            "Outside scope (project): The grant covers another project; a new consent is needed.",
        ),
        (
            365,
            None,
            {"kind": "training_use", "unit": "runs"},
            "outside_scope",
            "Outside scope (use): The grant covers replica_use, not training.",
        ),
        (365, None, {"media": ["radio"]}, "outside_scope", "Outside scope (media): Not covered media: radio."),
        (365, None, {"territory": ["FR"]}, "outside_scope", "Outside scope (territory): Not covered territory: FR."),
        # Rule 2.4: the rest of the signed description (role, intended use, sensitive content,
        # real-time generation) holds a use too.
        (
            365,
            None,
            {"role": "Captain Lee, bridge scenes"},
            "outside_scope",
            "Outside scope (role): The grant's description does not cover this role or scene.",
        ),
        (
            365,
            None,
            {"intended_use": "Trailer voice-over"},
            "outside_scope",
            "Outside scope (intended_use): This intended use is not one the grant's description lists.",
        ),
        (
            365,
            None,
            {"sensitive_content": ["nudity"]},
            "outside_scope",
            "Outside scope (sensitive_content): Sensitive content the performer did not consent to: nudity.",
        ),
        (
            365,
            None,
            {"realtime_generation": True},
            "outside_scope",
            "Outside scope (realtime_generation): The grant does not cover real-time generation.",
        ),
        (365, _revoked, {}, "revoked", "The performer revoked this consent."),
        (365, _suspended, {}, "suspended_by_performer", "The performer suspended this consent."),
        (365, _struck, {}, "suspended_by_strike", "Suspended while a strike against the studio lasts."),
        (20, None, {}, "expired", f"The grant's term ended on {(D0 + 20 * DAY).isoformat()}."),
    ],
    ids=[
        "project",
        "use",
        "media",
        "territory",
        "role",
        "intended_use",
        "sensitive_content",
        "realtime",
        "revoked",
        "suspended",
        "strike",
        "expired",
    ],
)
def test_line_not_covered_by_the_named_grant_is_a_violation_with_a_case(
    studio, performer, agreement, days, after_grant, changes, code, detail
):
    # given a grant, then whatever happened to it before the use date (day 30)
    grant = granted(studio.studio, performer.performer, agreement, days=days)
    if after_grant:
        after_grant(grant)

    # when the studio reports a use relying on it
    stored = submit(studio.studio, line("L-1", grant=grant.public_id, **changes))

    # then the line is kept as a violation, not billed, with a case naming the reason
    row = stored.lines.get()
    assert (row.status, row.violation_code, row.violation_detail, row.covering_grant) == (
        LineStatus.VIOLATION,
        code,
        detail,
        None,
    )
    assert (stored.line_count, stored.accepted_count, stored.violation_count) == (1, 0, 1)
    case = case_of(row)
    assert (case.kind, case.status, case.reason_code, case.studio, case.performer, case.grant) == (
        "violation",
        "open",
        code,
        studio.studio,
        performer.performer,
        grant,
    )
    assert (case.production_number, case.opened_at) == (row.production_number, REPORTED_AT)
    assert case.summary == f"Line L-1 ({row.kind}, {USE_DATE.isoformat()}): {detail}"
    assert AuditEvent.objects.filter(action="case.opened", subject_id=case.public_id).count() == 1
    assert AuditEvent.objects.get(action="usage_report.received").data["cases"] == [case.public_id]


def test_named_performer_without_any_grant_is_a_no_grant_violation(studio, other_studio, performer, agreement):
    # given the performer's only grant is with another studio
    granted(other_studio.studio, performer.performer, agreement)

    stored = submit(studio.studio, line("L-1", performer=performer.performer.public_id, agreement="test-tvth"))

    row = stored.lines.get()
    assert (row.status, row.violation_code, row.performer, row.grant) == (
        LineStatus.VIOLATION,
        "no_grant",
        performer.performer,
        None,
    )
    case = case_of(row)
    assert (case.kind, case.reason_code, case.performer, case.grant) == (
        "violation",
        "no_grant",
        performer.performer,
        None,
    )
    assert case.summary.endswith("No consent from this performer covers this use.")


def test_reason_comes_from_the_grant_for_this_project_not_a_newer_one_for_another(studio, performer, agreement):
    # given Maya revoked her consent for the picture, and later consented to the sequel
    picture = granted(studio.studio, performer.performer, agreement)
    consent_services.grant_revoke(
        grant=picture, reason="No", acting_user=login_of(picture.performer), now=T0 + 5 * DAY
    )
    granted(studio.studio, performer.performer, agreement, at=T0 + 6 * DAY, project=SEQUEL)

    # when the studio reports use in the picture, naming only the performer
    stored = submit(studio.studio, line("L-1", performer="SAG-1", agreement="test-tvth"))

    # then the violation is the revocation
    assert stored.lines.get().violation_code == "revoked"
    assert Case.objects.get().reason_code == "revoked"


def test_use_before_the_grant_existed_is_not_covered(studio, performer, agreement):
    # given a grant signed on T0; consent must predate use
    grant = granted(studio.studio, performer.performer, agreement)

    stored = submit(studio.studio, line("L-1", grant=grant.public_id, use_date=(D0 - DAY).isoformat()))

    assert stored.lines.get().violation_code == "no_grant"


def test_a_report_mixes_accepted_lines_and_violations(studio, performer, other_performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)

    response = post(
        studio,
        report(
            "R-1",
            line("L-ok", grant=grant.public_id),
            line("L-leo", performer="SAG-2", agreement="test-tvth"),
            line(
                "L-sequel", grant=grant.public_id, project={"kind": "picture", "title": "II", "production_number": "X"}
            ),
        ),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lines"], body["accepted"], body["violation_count"]) == (3, 1, 2)
    cases = {c.usage_line.line_ref: c for c in Case.objects.select_related("usage_line")}
    assert sorted(body["violations"], key=lambda v: v["line_id"]) == [
        {
            "line_id": "L-leo",
            "case": cases["L-leo"].public_id,
            "code": "no_grant",
            "detail": cases["L-leo"].summary,
        },
        {
            "line_id": "L-sequel",
            "case": cases["L-sequel"].public_id,
            "code": "outside_scope",
            "detail": cases["L-sequel"].summary,
        },
    ]
    assert cases["L-leo"].performer == other_performer.performer


def test_report_detail_lists_its_violations(studio, other_studio, staff, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    consent_services.grant_revoke(grant=grant, reason="No", acting_user=login_of(grant.performer), now=T0 + 10 * DAY)
    stored = submit(studio.studio, line("L-1", grant=grant.public_id), line("L-2", grant=grant.public_id))
    cases = {c.usage_line.line_ref: c.public_id for c in Case.objects.select_related("usage_line")}

    response = studio.client.get(f"{URL}{stored.public_id}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["report_id"], body["lines"], body["accepted"], body["violation_count"]) == (
        stored.public_id,
        "R-1",
        2,
        0,
        2,
    )
    summary = f"(replica_use, {USE_DATE.isoformat()}): The performer revoked this consent."
    assert sorted(body["violations"], key=lambda v: v["line_id"]) == [
        {"line_id": "L-1", "case": cases["L-1"], "code": "revoked", "detail": f"Line L-1 {summary}"},
        {"line_id": "L-2", "case": cases["L-2"], "code": "revoked", "detail": f"Line L-2 {summary}"},
    ]
    assert staff.client.get(f"{URL}{stored.public_id}").json() == body
    assert_problem(other_studio.client.get(f"{URL}{stored.public_id}"), 404, "not-found")


# --- Replays --------------------------------------------------------------------------------------
def test_same_report_id_and_body_replays_the_stored_report(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    body = report("R-1", line("L-1", grant=grant.public_id))
    first = post(studio, body)
    before = row_counts()

    # the same body, its keys in another order
    again = post(studio, {"lines": [dict(reversed(list(body["lines"][0].items())))], "report_id": "R-1"})

    assert first.status_code == 201
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert not first.has_header("Idempotent-Replayed")
    assert row_counts() == before


def test_same_report_id_with_another_body_is_a_conflict(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    first = post(studio, report("R-1", line("L-1", grant=grant.public_id)))
    before = row_counts()

    response = post(studio, report("R-1", line("L-1", grant=grant.public_id, units="2")))

    body = assert_problem(
        response, 409, "conflict", "Report id 'R-1' was already used for a different report; use a new id."
    )
    assert body["report"] == first.json()["id"]
    assert row_counts() == before


def test_another_studio_may_use_the_same_report_and_line_ids(studio, other_studio, performer, agreement):
    mine = granted(studio.studio, performer.performer, agreement)
    theirs = granted(other_studio.studio, performer.performer, agreement, at=T0 + TWO_HOURS)

    first = post(studio, report("R-1", line("L-1", grant=mine.public_id)))
    second = post(other_studio, report("R-1", line("L-1", grant=theirs.public_id)))

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert UsageLine.objects.filter(line_ref="L-1").count() == 2


def test_idempotency_key_replays_the_first_response(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    body = report("R-1", line("L-1", grant=grant.public_id))
    first = post(studio, body, HTTP_IDEMPOTENCY_KEY="key-1")
    before = row_counts()

    again = post(studio, body, HTTP_IDEMPOTENCY_KEY="key-1")
    other = post(studio, report("R-2", line("L-2", grant=grant.public_id)), HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == 201
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert_problem(other, 422, "idempotency-key-reused")
    assert row_counts() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_the_same_report_replay(require_postgres, studio, performer, agreement):
    # given two submissions of one report sent at the same moment (a client retrying after a timeout)
    grant = granted(studio.studio, performer.performer, agreement)
    start_together = threading.Barrier(2)
    results: list = []

    def send() -> None:
        try:
            start_together.wait(timeout=30)
            results.append(submit(studio.studio, line("L-1", grant=grant.public_id)))
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then one stores the report and the other gets it back
    assert [type(r).__name__ for r in results] == ["UsageReport", "UsageReport"]
    assert results[0].pk == results[1].pk
    assert (UsageReport.objects.count(), UsageLine.objects.count()) == (1, 1)


def stored_while_judging(monkeypatch, send) -> None:
    """Make `send()` happen after the next report is judged and priced, before it is stored: what
    another request of the studio does while this one is judged outside the studio's lock."""
    from registry.usage import services

    priced = services._refuse_unpriceable
    pending = [send]

    def then_another_report(*args, **kwargs):
        priced(*args, **kwargs)
        if pending:
            pending.pop()()

    monkeypatch.setattr(services, "_refuse_unpriceable", then_another_report)


def test_a_line_id_stored_by_another_report_while_this_one_was_judged_refuses_it(
    studio, performer, agreement, monkeypatch
):
    """Reports are judged before the studio's lock: a line id another report stored in between
    is caught as they are stored, and the report is refused naming the line, nothing kept."""
    grant = granted(studio.studio, performer.performer, agreement)
    stored_while_judging(
        monkeypatch, lambda: submit(studio.studio, line("L-1", grant=grant.public_id), report_id="R-1")
    )
    before = row_counts()

    with pytest.raises(UsageRejectedError) as refused:
        submit(studio.studio, line("L-2", grant=grant.public_id), line("L-1", grant=grant.public_id), report_id="R-2")

    assert [(p.field, p.code) for p in refused.value.problems] == [("lines.1.line_id", "line_id_reused")]
    assert row_counts() == {**before, "reports": 1, "lines": 1, "audit_events": before["audit_events"] + 1}
    assert list(UsageLine.objects.values_list("line_ref", "report__report_ref")) == [("L-1", "R-1")]


def test_a_report_its_own_resend_stored_while_it_was_judged_is_answered_with_that_one(
    studio, performer, agreement, monkeypatch
):
    grant = granted(studio.studio, performer.performer, agreement)
    first = []
    stored_while_judging(monkeypatch, lambda: first.append(submit(studio.studio, line("L-1", grant=grant.public_id))))

    answered = submit(studio.studio, line("L-1", grant=grant.public_id))

    assert answered.pk == first[0].pk
    assert (UsageReport.objects.count(), UsageLine.objects.count()) == (1, 1)


def test_a_resent_report_is_answered_without_judging_it_again(studio, performer, agreement, monkeypatch):
    from registry.usage import services

    grant = granted(studio.studio, performer.performer, agreement)
    stored = submit(studio.studio, line("L-1", grant=grant.public_id))
    monkeypatch.setattr(services, "_judge", lambda *args: pytest.fail("a stored report is not judged again"))

    assert submit(studio.studio, line("L-1", grant=grant.public_id)).pk == stored.pk


# --- Bad input: refused whole, nothing stored -----------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "status", "slug", "errors"),
    [
        ({"use_date": "2026-10-32"}, 400, "validation-error", [("lines.1.use_date", "invalid")]),
        ({"use_date": "01/10/2026"}, 400, "validation-error", [("lines.1.use_date", "invalid")]),
        ({"use_date": "2026-10-1"}, 400, "validation-error", [("lines.1.use_date", "invalid")]),
        ({"use_date": None}, 400, "validation-error", [("lines.1.use_date", "required")]),
        ({"units": "0"}, 400, "validation-error", [("lines.1.units", "not_positive")]),
        ({"units": 0}, 400, "validation-error", [("lines.1.units", "not_a_string")]),
        ({"units": "-2"}, 400, "validation-error", [("lines.1.units", "not_positive")]),
        ({"units": "1.005"}, 400, "validation-error", [("lines.1.units", "invalid")]),
        ({"units": 1.5}, 400, "validation-error", [("lines.1.units", "not_a_string")]),
        # the written forms of the interop contract only (registry.core.limits)
        ({"units": "1e5"}, 400, "validation-error", [("lines.1.units", "invalid")]),
        ({"units": "1_000"}, 400, "validation-error", [("lines.1.units", "invalid")]),
        ({"units": "+1"}, 400, "validation-error", [("lines.1.units", "invalid")]),
        ({"units": "1\n"}, 400, "validation-error", [("lines.1.units", "invalid")]),
        ({"negotiated_amount": "1e3"}, 400, "validation-error", [("lines.1.negotiated_amount", "invalid")]),
        ({"use_date": "2027-W03-1"}, 400, "validation-error", [("lines.1.use_date", "invalid")]),
        ({"use_date": "20261001"}, 400, "validation-error", [("lines.1.use_date", "invalid")]),
        ({"use_date": "9999-12-31"}, 400, "validation-error", [("lines.1.use_date", "date_out_of_range")]),
        ({"use_date": "0001-01-01"}, 400, "validation-error", [("lines.1.use_date", "date_out_of_range")]),
        ({"territory": ["US\n"]}, 400, "validation-error", [("lines.1.territory", "invalid_choice")]),
        # the text rules of every other endpoint: no NUL, no lone surrogate
        ({"line_id": "L-\x001"}, 400, "validation-error", [("lines.1.line_id", "null_characters_not_allowed")]),
        ({"line_id": " \t "}, 400, "validation-error", [("lines.1.line_id", "blank")]),
        ({"line_id": "\x85" + "x" * 64}, 400, "validation-error", [("lines.1.line_id", "max_length")]),
        (
            {"project": {"kind": "picture", "title": "The Long\x00Night", "production_number": "NLP-2027-004"}},
            400,
            "validation-error",
            [("lines.1.project.title", "null_characters_not_allowed")],
        ),
        *(
            ({field: "x\ud800"}, 400, "validation-error", [(f"lines.1.{field}", "surrogate_characters_not_allowed")])
            for field in ("line_id", "performer", "synthetic_performer", "agreement", "justification", "currency")
        ),
        (
            {"project": {"kind": "picture", "title": "T", "production_number": "N", "advertiser": "\udfff"}},
            400,
            "validation-error",
            [("lines.1.project.advertiser", "surrogate_characters_not_allowed")],
        ),
        ({"kind": "hologram"}, 400, "validation-error", [("lines.1.kind", "invalid_choice")]),
        ({"currency": "usd"}, 400, "validation-error", [("lines.1.currency", "invalid")]),
        ({"line_id": None}, 400, "validation-error", [("lines.1.line_id", "required")]),
        ({"grant": "cgr_doesnotexist"}, 422, "usage-report-rejected", [("lines.1.grant", "unknown_grant")]),
        ({"currency": "EUR"}, 422, "usage-report-rejected", [("lines.1.currency", "wrong_currency")]),
        ({"unit": "tracks"}, 422, "usage-report-rejected", [("lines.1.unit", "unit_not_allowed")]),
        (
            {"kind": "training_use", "unit": "hours_viewed"},
            422,
            "usage-report-rejected",
            [("lines.1.unit", "unit_not_allowed")],
        ),
        ({"line_id": "L-0"}, 422, "usage-report-rejected", [("lines.1.line_id", "duplicate_line_id")]),
        (
            {"grant": None, "performer": "SAG-404", "agreement": "test-tvth"},
            422,
            "usage-report-rejected",
            [("lines.1.performer", "unknown_performer"), ("lines.1.grant", "grant_or_performer_required")],
        ),
        (
            {"grant": None},
            422,
            "usage-report-rejected",
            [("lines.1.grant", "grant_or_performer_required"), ("lines.1.agreement", "required")],
        ),
        (
            {"grant": None, "performer": "SAG-1", "agreement": "tvth-2023"},
            422,
            "usage-report-rejected",
            [("lines.1.agreement", "studio_not_signatory")],
        ),
    ],
)
def test_bad_line_refuses_the_whole_report(studio, performer, agreement, changes, status, slug, errors):
    # given a good first line and a bad second one
    grant = granted(studio.studio, performer.performer, agreement)
    before = row_counts()
    body = report(
        "R-1", line("L-0", grant=grant.public_id), line(**{"line_id": "L-1", "grant": grant.public_id, **changes})
    )

    response = post(studio, body)

    # then the report is refused with the line and field at fault, and nothing is stored
    problem = assert_problem(response, status, slug)
    assert error_fields(response) == errors
    assert problem["detail"].startswith(f"{errors[0][0]}: ")
    assert row_counts() == before


def test_error_messages_name_what_is_wrong(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)

    response = post(
        studio,
        report(
            "R-1",
            line("L-0", grant=grant.public_id, currency="EUR"),
            line("L-0", grant=grant.public_id, unit="tracks"),
            line("L-2", grant="cgr_nope"),
        ),
    )

    problem = assert_problem(response, 422, "usage-report-rejected")
    assert problem["errors"] == [
        {"field": "lines.1.line_id", "code": "duplicate_line_id", "message": "Line id 'L-0' also appears at line 0."},
        {"field": "lines.0.currency", "code": "wrong_currency", "message": "Agreement test-tvth pays in USD."},
        {"field": "lines.1.unit", "code": "unit_not_allowed", "message": "A replica_use line counts days, uses."},
        {"field": "lines.2.grant", "code": "unknown_grant", "message": "None of your grants has the id 'cgr_nope'."},
    ]
    assert problem["detail"] == "lines.1.line_id: Line id 'L-0' also appears at line 0. (and 3 more)"
    assert UsageReport.objects.count() == 0


def test_another_studios_grant_is_answered_as_an_unknown_one(studio, other_studio, other_performer, agreement):
    """Nothing tells a studio whether an id it does not own exists."""
    theirs = granted(other_studio.studio, other_performer.performer, agreement)
    before = row_counts()

    theirs_answer = post(studio, report("R-1", line("L-1", grant=theirs.public_id)))
    unknown_answer = post(studio, report("R-1", line("L-1", grant="cgr_doesnotexist")))

    problem = assert_problem(theirs_answer, 422, "usage-report-rejected")
    assert problem["errors"] == [
        {
            "field": "lines.0.grant",
            "code": "unknown_grant",
            "message": f"None of your grants has the id {theirs.public_id!r}.",
        }
    ]
    unknown = unknown_answer.json()
    assert (unknown_answer.status_code, unknown["type"], unknown["title"]) == (
        theirs_answer.status_code,
        problem["type"],
        problem["title"],
    )
    assert unknown["errors"] == [
        {**problem["errors"][0], "message": "None of your grants has the id 'cgr_doesnotexist'."}
    ]
    assert row_counts() == before


def test_line_id_reused_across_reports_is_refused(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    assert post(studio, report("R-1", line("L-1", grant=grant.public_id))).status_code == 201
    before = row_counts()

    response = post(studio, report("R-2", line("L-2", grant=grant.public_id), line("L-1", grant=grant.public_id)))

    problem = assert_problem(response, 422, "usage-report-rejected")
    assert problem["errors"] == [
        {
            "field": "lines.1.line_id",
            "code": "line_id_reused",
            "message": "Line id 'L-1' was reported before; retract it instead.",
        }
    ]
    assert row_counts() == before


def test_more_than_max_lines_is_refused(studio, performer, agreement):
    # the count is checked before any line is read, so empty objects make a cheap body
    before = row_counts()

    response = post(studio, {"report_id": "R-big", "lines": [{}] * (MAX_LINES + 1)})

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"] == [
        {"field": "lines", "code": "too_many_lines", "message": "10,001 lines; at most 10,000 per report."}
    ]
    assert row_counts() == before


def test_a_full_report_of_max_lines_is_accepted(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    one = line(grant=grant.public_id)
    body = {"report_id": "R-full", "lines": [dict(one, line_id=f"L-{i:05d}") for i in range(MAX_LINES)]}

    response = post(studio, body)

    assert response.status_code == 201, response.content[:300]
    assert response.json()["accepted"] == MAX_LINES


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"report_id": "R-1", "lines": []}, [("lines", "required")]),
        ({"lines": [{"line_id": "L-1"}]}, [("report_id", "required"), ("lines.0.kind", "required")]),
        ({"report_id": "R-1", "lines": ["L-1"]}, [("lines.0", "invalid")]),
        ([], [(None, "invalid")]),
        ({"report_id": "R-\x001", "lines": [line()]}, [("report_id", "null_characters_not_allowed")]),
        ({"report_id": "R-\ud800", "lines": [line()]}, [("report_id", "surrogate_characters_not_allowed")]),
    ],
)
def test_malformed_report_shape_is_refused(studio, body, errors):
    before = row_counts()

    response = post(studio, body)

    assert_problem(response, 400, "validation-error")
    assert error_fields(response)[: len(errors)] == errors
    assert row_counts() == before


def test_an_empty_line_refuses_the_report(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    before = row_counts()

    response = post(studio, report("R-1", line("L-0", grant=grant.public_id), {}))

    assert_problem(response, 400, "validation-error")
    assert error_fields(response)[0] == ("lines.1.line_id", "required")
    assert row_counts() == before


def _input(**changes) -> LineInput:
    values = {
        "line_ref": "L-1",
        "kind": "replica_use",
        "project": PICTURE,
        "use_date": USE_DATE,
        "units": Decimal("1"),
        "unit": "days",
        "performer_ref": "SAG-1",
        "agreement_code": "test-tvth",
        "media": ("streaming",),
        "territory": ("US",),
    }
    values.update(changes)
    return LineInput(**values)


@pytest.mark.parametrize(
    ("lines", "errors"),
    [
        ([_input(units=Decimal("0"))], [("lines.0.units", "not_positive")]),
        ([_input(units=Decimal("-1"))], [("lines.0.units", "not_positive")]),
        ([_input(negotiated_amount=Decimal("-5"))], [("lines.0.negotiated_amount", "not_positive")]),
        ([], [("lines", "required")]),
        ([_input()] * (MAX_LINES + 1), [("lines", "too_many_lines")]),
    ],
)
def test_service_refuses_bad_lines_it_is_given_directly(studio, performer, lines, errors):
    before = row_counts()

    with pytest.raises(UsageRejectedError) as excinfo:
        usage_report_submit(studio=studio.studio, report_ref="R-1", lines=lines, fingerprint="f", actor=SYSTEM)

    assert [(p.field, p.code) for p in excinfo.value.problems] == errors
    assert row_counts() == before


def test_service_replay_and_conflict(studio, performer, agreement):
    granted(studio.studio, performer.performer, agreement)
    first, created = usage_report_submit(
        studio=studio.studio, report_ref="R-1", lines=[_input()], fingerprint="f1", actor=SYSTEM, now=REPORTED_AT
    )
    before = row_counts()

    again, created_again = usage_report_submit(
        studio=studio.studio, report_ref="R-1", lines=[_input()], fingerprint="f1", actor=SYSTEM
    )
    with pytest.raises(StateConflictError):
        usage_report_submit(studio=studio.studio, report_ref="R-1", lines=[_input()], fingerprint="f2", actor=SYSTEM)

    assert (created, created_again, again) == (True, False, first)
    assert row_counts() == before


# --- Retraction -----------------------------------------------------------------------------------
def _retract(caller, line_id: str, reason: str | None = "Reported by error: wrong production."):
    return caller.client.post(
        f"/api/v1/usage-lines/{line_id}/retract", {} if reason is None else {"reason": reason}, format="json"
    )


def test_studio_retracts_a_line(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    post(studio, report("R-1", line("L-1", grant=grant.public_id)))

    response = _retract(studio, "L-1")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["line_id"], body["status"], body["retraction_reason"]) == (
        "L-1",
        "retracted",
        "Reported by error: wrong production.",
    )
    assert body["retracted_at"] is not None
    row = UsageLine.objects.get()
    assert (row.status, row.retraction_reason) == (LineStatus.RETRACTED, "Reported by error: wrong production.")
    event = AuditEvent.objects.get(action="usage_line.retracted")
    assert (event.subject_type, event.subject_id, event.studio_id, event.performer_id) == (
        "usage_line",
        "L-1",
        studio.studio.public_id,
        performer.performer.public_id,
    )
    assert event.data == {
        "report": row.report_id,
        "previous_status": "accepted",
        "reason": "Reported by error: wrong production.",
    }


def test_retracting_twice_is_a_conflict(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    post(studio, report("R-1", line("L-1", grant=grant.public_id)))
    _retract(studio, "L-1")
    before = row_counts()
    retracted_at = UsageLine.objects.get().retracted_at

    response = _retract(studio, "L-1", "Again")

    assert_problem(response, 409, "conflict", "Line L-1 was already retracted.")
    assert row_counts() == before
    row = UsageLine.objects.get()
    assert (row.retracted_at, row.retraction_reason) == (retracted_at, "Reported by error: wrong production.")


def test_a_violation_can_be_retracted_and_its_case_stays(studio, performer, agreement):
    post(studio, report("R-1", line("L-1", grant=None, performer="SAG-1", agreement="test-tvth")))

    response = _retract(studio, "L-1")

    assert response.status_code == 200, response.content
    assert AuditEvent.objects.get(action="usage_line.retracted").data["previous_status"] == "violation"
    assert Case.objects.get().status == "open"


def test_another_studio_cannot_retract(studio, other_studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    post(studio, report("R-1", line("L-1", grant=grant.public_id)))
    before = row_counts()

    response = _retract(other_studio, "L-1")

    assert_problem(response, 404, "not-found")
    assert row_counts() == before
    assert UsageLine.objects.get().status == LineStatus.ACCEPTED


@pytest.mark.parametrize("reason", [None, ""])
def test_retraction_needs_a_reason(studio, performer, agreement, reason):
    grant = granted(studio.studio, performer.performer, agreement)
    post(studio, report("R-1", line("L-1", grant=grant.public_id)))
    before = row_counts()

    response = _retract(studio, "L-1", reason)

    assert_problem(response, 400, "validation-error")
    assert error_fields(response) == [("reason", "required" if reason is None else "blank")]
    assert row_counts() == before
    assert UsageLine.objects.get().status == LineStatus.ACCEPTED


def test_unknown_line_cannot_be_retracted(studio):
    assert_problem(_retract(studio, "L-404"), 404, "not-found")


def test_a_line_and_a_consent_check_give_the_same_reason(studio, performer, agreement):
    """The rules behind a line and a consent check agree on the same facts."""
    grant = granted(studio.studio, performer.performer, agreement, project=SEQUEL)
    query = rules.UseQuery(use="replica_use", project=PICTURE, on=USE_DATE, media=("streaming",), territory=("US",))
    outcome = consent_check(studio_id=studio.studio.pk, performer=performer.performer, query=query, now=REPORTED_AT)
    stored = submit(studio.studio, line("L-1", grant=grant.public_id))

    assert [r.code for r in outcome.reasons] == [stored.lines.get().violation_code]
