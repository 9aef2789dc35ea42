"""DOMAIN.md 2.7: alteration exemptions are agreement data; a claim names its category, its
agreement and a justification; it never overrides a strike or a revocation; exempt lines are
kept and never billed; union staff review the claims and a rejection opens a violation case."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.billing.billable import unbilled_lines
from registry.cases.models import Case
from registry.consent import rules, services
from registry.consent.rules import ExemptionClaim, GrantCandidate, GrantScope, Project, UseQuery
from registry.core.vocabulary.usage import LineStatus
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import grant_for
from tests.usage.builders import D0, DAY, exempt_alteration_line, granted, line, report, submit

pytestmark = pytest.mark.django_db

CHECKS = "/api/v1/consent-checks/"
USAGE = "/api/v1/usage-reports/"
CONSOLE = "/admin/console/exemptions/"
PROJECT = {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"}


# --- The rule, pure -------------------------------------------------------------------------
P = Project(kind="picture", title="The Long Night", production_number="NLP-2027-004")
ALTERATION = UseQuery(use="digital_alteration", project=P, on=dt.date(2027, 3, 1), media=("streaming",))


def _candidate(status: str, causes=()) -> GrantCandidate:
    scope = GrantScope(
        use="replica_use",
        project=P,
        term_start=dt.date(2027, 1, 1),
        term_end=dt.date(2028, 1, 1),
        media=("streaming",),
        territory=("US",),
    )
    return GrantCandidate(grant_id="cgr_1", scope=scope, status=status, suspension_causes=tuple(causes))


def test_an_exemption_in_the_agreements_list_stands_without_a_grant():
    outcome = rules.decide_check(ALTERATION, [], None, ExemptionClaim("cosmetic", frozenset({"cosmetic"})))
    assert (outcome.allowed, outcome.exemption, outcome.reasons) == (True, "cosmetic", ())


def test_a_category_the_agreement_does_not_list_is_no_exemption():
    outcome = rules.decide_check(ALTERATION, [], None, ExemptionClaim("dubbing", frozenset({"cosmetic"})))
    assert (outcome.allowed, outcome.exemption) == (False, None)
    assert [(r.code, r.field) for r in outcome.reasons] == [
        ("exemption_not_allowed", "alteration_exemption"),
        ("no_grant", None),
    ]


@pytest.mark.parametrize(
    ("claim", "candidates", "codes"),
    [
        (ExemptionClaim("cosmetic", struck=True), [], ["suspended_by_strike"]),
        (ExemptionClaim("cosmetic"), [_candidate("revoked")], ["revoked"]),
        (ExemptionClaim("cosmetic"), [_candidate("suspended", ["performer"])], ["suspended_by_performer"]),
    ],
    ids=["strike", "revoked", "suspended"],
)
def test_an_exemption_never_overrides_a_strike_or_a_withdrawn_consent(claim, candidates, codes):
    outcome = rules.decide_check(ALTERATION, candidates, None, claim)
    assert (outcome.allowed, outcome.exemption, [r.code for r in outcome.reasons]) == (False, None, codes)


def test_an_exemption_is_no_answer_for_another_use():
    query = UseQuery(use="replica_use", project=P, on=dt.date(2027, 3, 1))
    outcome = rules.decide_check(query, [], None, ExemptionClaim("cosmetic"))
    assert (outcome.allowed, [r.code for r in outcome.reasons]) == (False, ["no_grant"])


# --- Checks through the API -----------------------------------------------------------------
def _claim_body(performer, **overrides) -> dict:
    return {
        "performer": performer.public_id,
        "use": "digital_alteration",
        "project": PROJECT,
        "media": ["streaming"],
        "territory": ["US"],
        "alteration_exemption": "cosmetic",
        "agreement": "test-tvth",
        "exemption_justification": "Removed a blemish on the actor's chin in scene 12.",
        **overrides,
    }


def test_a_check_claiming_a_listed_exemption_is_allowed_and_kept_with_its_justification(studio, performer):
    response = studio.client.post(CHECKS, _claim_body(performer.performer), format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["allowed"], response.json()["exemption"], response.json()["grant"]) == (
        True,
        "cosmetic",
        None,
    )


@pytest.mark.parametrize(
    ("missing", "field", "message"),
    [
        ("agreement", "agreement", "Name the agreement whose exemption you claim (its code)."),
        ("exemption_justification", "exemption_justification", "Say briefly why the alteration is exempt."),
    ],
)
def test_a_claim_without_its_agreement_or_justification_is_a_422(studio, performer, missing, field, message):
    body = _claim_body(performer.performer)
    body.pop(missing)

    problem = assert_problem(studio.client.post(CHECKS, body, format="json"), 422, "consent-rule-violation")

    assert problem["errors"] == [{"field": field, "code": "required", "message": message}]


def test_a_claim_under_an_agreement_the_studio_did_not_sign_is_a_422(studio, performer):
    response = studio.client.post(CHECKS, _claim_body(performer.performer, agreement="games-2025"), format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert [e["code"] for e in problem["errors"]] == ["studio_not_signatory"]


def test_the_agreements_list_is_editable_and_binds_the_claim(studio, performer, agreement):
    agreement.alteration_exemptions = ["noise_reduction"]
    agreement.save(update_fields=["alteration_exemptions"])

    answer = studio.client.post(CHECKS, _claim_body(performer.performer), format="json").json()

    assert (answer["allowed"], [r["code"] for r in answer["reasons"]]) == (
        False,
        ["exemption_not_allowed", "no_grant"],
    )


def test_a_claim_during_a_strike_is_refused(studio, performer, agreement):
    services.strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM)

    answer = studio.client.post(CHECKS, _claim_body(performer.performer), format="json").json()

    assert (answer["allowed"], [r["code"] for r in answer["reasons"]]) == (False, ["suspended_by_strike"])


def test_a_claim_for_a_project_whose_consent_was_revoked_is_refused(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    services.grant_revoke(grant=grant, reason="No more.", acting_user=login_of(performer.performer))

    answer = studio.client.post(
        CHECKS, _claim_body(performer.performer, on=grant.term_start.isoformat()), format="json"
    ).json()

    assert (answer["allowed"], [(r["code"], r["grant"]) for r in answer["reasons"]]) == (
        False,
        [("revoked", grant.public_id)],
    )


# --- Usage lines: exempt lines are kept, not billed; staff review them ------------------------
def test_an_exempt_line_is_kept_and_never_billed(studio, performer, agreement):
    stored = submit(studio.studio, exempt_alteration_line())

    row = stored.lines.get()
    assert (row.status, row.alteration_exemption, row.exemption_justification, row.exemption_review) == (
        LineStatus.EXEMPT,
        "cosmetic",
        "Blemish removed in scene 12.",
        "",
    )
    assert (stored.accepted_count, stored.violation_count, Case.objects.count()) == (0, 0, 0)
    assert not unbilled_lines(D0 + 365 * DAY).filter(pk=row.pk).exists()


def test_a_claim_without_justification_refuses_the_report(studio, performer, agreement):
    response = studio.client.post(
        USAGE, report("R-1", exempt_alteration_line(exemption_justification=None)), format="json"
    )

    problem = assert_problem(response, 422, "usage-report-rejected")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("lines.0.exemption_justification", "required")]


def test_an_exempt_claim_on_another_kind_of_line_refuses_the_report(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    body = report(
        "R-1", line("L-1", grant=grant.public_id, alteration_exemption="cosmetic", exemption_justification="x")
    )

    problem = assert_problem(studio.client.post(USAGE, body, format="json"), 422, "usage-report-rejected")

    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("lines.0.alteration_exemption", "not_an_alteration")
    ]


def test_an_exempt_line_during_a_strike_is_a_violation(studio, performer, agreement):
    services.strike_declare(agreement=agreement, studios=[studio.studio], reason="Strike", actor=SYSTEM, now=D0_MOMENT)

    stored = submit(studio.studio, exempt_alteration_line())

    row = stored.lines.get()
    assert (row.status, row.violation_code) == (LineStatus.VIOLATION, "suspended_by_strike")
    assert Case.objects.get(usage_line=row).reason_code == "suspended_by_strike"


D0_MOMENT = dt.datetime.combine(D0, dt.time(9), tzinfo=dt.UTC)
