"""The consent API over HTTP: the happy flow, every bad input as a specific problem, idempotent
creation, checks (recorded, at a past date, per studio) and automatic declines."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.consent import rules, services
from registry.consent.models import ConsentGrant, ConsentRequest, GrantStatusChange
from tests.api.conftest import assert_problem, db_snapshot, result_ids
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import grant_for, request_body

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/consent-requests/"
GRANTS = "/api/v1/grants/"
CHECKS = "/api/v1/consent-checks/"
PROJECT = {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"}
ATTESTATION = "I have read the description and I consent to this use."


def _accept_body(sha256: str, **overrides) -> dict:
    return {
        "description_sha256": sha256,
        "signer_name": "Maya Okafor",
        "attestation_text": ATTESTATION,
        "confirm": True,
        **overrides,
    }


def _check_body(performer, on: dt.date, **overrides) -> dict:
    return {
        "performer": performer.public_id,
        "use": "replica_use",
        "project": PROJECT,
        "on": on.isoformat(),
        "media": ["streaming"],
        "territory": ["US"],
        **overrides,
    }


# --- The happy flow -----------------------------------------------------------------------
def test_request_accept_check_revoke_check(studio, performer, agreement):
    # Given: the studio asks Maya for consent.
    created = studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")
    assert created.status_code == 201
    request_id = created.json()["id"]
    assert created.json()["status"] == "pending"

    # When: Maya reads it and signs exactly the version she read.
    seen = performer.client.get(f"{REQUESTS}{request_id}").json()
    accepted = performer.client.post(
        f"{REQUESTS}{request_id}/accept", _accept_body(seen["description"]["sha256"]), format="json"
    )

    # Then: the studio sees an active grant, and a check for the described use is allowed.
    assert accepted.status_code == 200
    grant_id = accepted.json()["grant"]
    assert accepted.json()["status"] == "accepted"
    assert result_ids(studio.client.get(GRANTS)) == [grant_id]
    grant = studio.client.get(f"{GRANTS}{grant_id}").json()
    assert (grant["status"], grant["request"], grant["signer_role"]) == ("active", request_id, "performer")
    assert grant["description_sha256"] == seen["description"]["sha256"]
    on = dt.date.fromisoformat(grant["term_start"])
    check = studio.client.post(CHECKS, _check_body(performer.performer, on), format="json").json()
    assert check == {
        "allowed": True,
        "grant": grant_id,
        "token_id": grant_id,
        "on": on.isoformat(),
        "exemption": None,
        "reasons": [],
        "receipt": None,
    }

    # When: Maya revokes. Then: the same check says revoked.
    revoked = performer.client.post(f"{GRANTS}{grant_id}/revoke", {"reason": "Changed my mind."}, format="json")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    check = studio.client.post(CHECKS, _check_body(performer.performer, on), format="json").json()
    assert (check["allowed"], check["grant"], check["token_id"]) == (False, None, None)
    assert check["reasons"] == [
        {"code": "revoked", "field": None, "message": "The performer revoked this consent.", "grant": grant_id}
    ]


# --- Bad inputs: a specific problem each, and nothing stored -------------------------------
def _set(path: str, value):
    """A body mutation: set a dotted path (description.media) to value."""

    def mutate(body: dict) -> dict:
        body = copy.deepcopy(body)
        *parents, leaf = path.split(".")
        node = body
        for key in parents:
            node = node[key]
        node[leaf] = value
        return body

    return mutate


def _err(field, code, message):
    return {"field": field, "code": code, "message": message}


MIN_AMOUNT = "Ensure this value is greater than or equal to 0.01."
NOT_A_NUMBER = "is not a number written like 3000.00."
BAD_INPUTS = [
    pytest.param(
        _set("performer", "prf_nosuchperformer"),
        422,
        "consent-rule-violation",
        [_err("performer", "unknown_performer", "No performer has this id or member number.")],
        id="unknown-performer",
    ),
    pytest.param(
        _set("agreement", "no-such-agreement"),
        422,
        "consent-rule-violation",
        [_err("agreement", "unknown_agreement", "No agreement has the code 'no-such-agreement'.")],
        id="unknown-agreement",
    ),
    pytest.param(
        _set("description.term_start", "2027-13-45"),
        400,
        "validation-error",
        [_err("description.term_start", "invalid", "'2027-13-45' is not a date on the calendar.")],
        id="malformed-term-start",
    ),
    pytest.param(
        _set("description.term_end", "31/12/2028"),
        400,
        "validation-error",
        [_err("description.term_end", "invalid", "'31/12/2028' is not a date written YYYY-MM-DD, e.g. 2026-10-31.")],
        id="malformed-term-end",
    ),
    # Dates: the calendar form only, within the accepted range (registry.core.limits).
    pytest.param(
        _set("description.term_start", "9990-01-01"),
        400,
        "validation-error",
        [
            _err(
                "description.term_start",
                "date_out_of_range",
                "9990-01-01 is outside the dates the registry accepts (1850-01-01 to 2199-12-31).",
            )
        ],
        id="term-start-9990",
    ),
    pytest.param(
        _set("description.term_end", "2027-W03-1"),
        400,
        "validation-error",
        [_err("description.term_end", "invalid", "'2027-W03-1' is not a date written YYYY-MM-DD, e.g. 2026-10-31.")],
        id="term-end-iso-week-date",
    ),
    pytest.param(
        _set("description.term_end", "20270118"),
        400,
        "validation-error",
        [_err("description.term_end", "invalid", "'20270118' is not a date written YYYY-MM-DD, e.g. 2026-10-31.")],
        id="term-end-basic-format",
    ),
    pytest.param(
        _set("scan_at", "9999-12-31T23:00:00Z"),
        400,
        "validation-error",
        [
            _err(
                "scan_at",
                "date_out_of_range",
                "9999-12-31 is outside the dates the registry accepts (1850-01-01 to 2199-12-31).",
            )
        ],
        id="scan-at-9999",
    ),
    pytest.param(
        _set("scan_at", "2027-W03-1T10:00:00Z"),
        400,
        "validation-error",
        [
            _err(
                "scan_at",
                "invalid",
                "'2027-W03-1T10:00:00Z' is not a date and time written like 2027-01-15T09:30:00Z.",
            )
        ],
        id="scan-at-iso-week-date",
    ),
    pytest.param(
        _set("description.media", ["theatrical", "cinema"]),
        400,
        "validation-error",
        [_err("description.media.1", "invalid_choice", '"cinema" is not a valid choice.')],
        id="media-not-in-vocabulary",
    ),
    pytest.param(
        _set("description.territory", ["USA"]),
        400,
        "validation-error",
        [_err("description.territory.0", "max_length", "Ensure this field has no more than 2 characters.")],
        id="territory-USA",
    ),
    pytest.param(
        _set("compensation.amount", "0"),
        400,
        "validation-error",
        [_err("compensation.amount", "min_value", MIN_AMOUNT)],
        id="amount-zero",
    ),
    pytest.param(
        _set("compensation.amount", "-1283.00"),
        400,
        "validation-error",
        [_err("compensation.amount", "min_value", MIN_AMOUNT)],
        id="amount-negative",
    ),
    pytest.param(
        _set("compensation.amount", "abc"),
        400,
        "validation-error",
        [_err("compensation.amount", "invalid", f"'abc' {NOT_A_NUMBER}")],
        id="amount-abc",
    ),
    # Amounts: decimal strings as the interop contract writes them, nothing Python's Decimal also reads.
    *(
        pytest.param(
            _set("compensation.amount", written),
            400,
            "validation-error",
            [_err("compensation.amount", "invalid", f"{written!r} {NOT_A_NUMBER}")],
            id=f"amount-{written}",
        )
        for written in ["1e5", "1_000", "+5", ".5", "5.", " 5", "١٢٣"]
    ),
    pytest.param(
        _set("compensation.amount", 1283),
        400,
        "validation-error",
        [_err("compensation.amount", "not_a_string", 'Send numbers as decimal strings, e.g. "3000.00".')],
        id="amount-a-json-number",
    ),
    # Types: what the schema says, not what DRF would convert.
    pytest.param(
        _set("performer", 100001),
        400,
        "validation-error",
        [_err("performer", "invalid", "Not a valid string.")],
        id="performer-a-number",
    ),
    pytest.param(
        _set("description.depicts_minor", 0),
        400,
        "validation-error",
        [_err("description.depicts_minor", "invalid", "Must be a valid boolean.")],
        id="depicts-minor-0",
    ),
    pytest.param(
        _set("description.future_spots", "false"),
        400,
        "validation-error",
        [_err("description.future_spots", "invalid", "Must be a valid boolean.")],
        id="future-spots-a-string",
    ),
    pytest.param(
        _set("compensation.currency", "usd"),
        400,
        "validation-error",
        [_err("compensation.currency", "invalid", "Use an ISO 4217 code such as USD.")],
        id="currency-lowercase",
    ),
    pytest.param(
        _set("description.detail", "x" * 10_001),
        400,
        "validation-error",
        [_err("description.detail", "max_length", "Ensure this field has no more than 4000 characters.")],
        id="detail-10001-chars",
    ),
    pytest.param(
        _set("description.role_or_scenes", "TBD"),
        422,
        "consent-rule-violation",
        [
            _err(
                "description.role_or_scenes",
                "vague_description",
                "Describe the role or the scenes specifically (at least 10 characters, not 'any'/'all'/'TBD').",
            )
        ],
        id="vague-role",
    ),
    pytest.param(
        _set("project.title", "All future projects"),
        422,
        "consent-rule-violation",
        [
            _err(
                "project",
                "blanket_scope",
                "Consent is scoped to one project; another project needs a new consent at the time of use.",
            )
        ],
        id="blanket-project",
    ),
]


@pytest.mark.parametrize(("mutate", "status", "slug", "errors"), BAD_INPUTS)
def test_bad_request_is_a_specific_problem_and_stores_nothing(
    studio, performer, agreement, mutate, status, slug, errors
):
    body = mutate(request_body(performer.performer, agreement))
    before = db_snapshot()

    response = studio.client.post(REQUESTS, body, format="json")

    problem = assert_problem(response, status, slug)
    assert problem["errors"] == errors
    assert db_snapshot() == before


def test_scan_with_47_hours_notice_is_refused(studio, performer, agreement):
    body = request_body(
        performer.performer,
        agreement,
        use="replica_creation",
        scan_at=(timezone.now() + dt.timedelta(hours=47)).isoformat(),
        business_reason="A full-body scan is needed for the rooftop stunt sequence.",
    )
    before = db_snapshot()

    response = studio.client.post(REQUESTS, body, format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert problem["errors"] == [_err("scan_at", "scan_notice_too_short", "A scan needs at least 48 hours' notice.")]
    assert db_snapshot() == before


def test_scan_with_49_hours_notice_is_accepted(studio, performer, agreement):
    body = request_body(
        performer.performer,
        agreement,
        use="replica_creation",
        scan_at=(timezone.now() + dt.timedelta(hours=49)).isoformat(),
        business_reason="A full-body scan is needed for the rooftop stunt sequence.",
    )

    response = studio.client.post(REQUESTS, body, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_term_beyond_the_agreement_maximum_is_refused(studio, performer, agreement):
    start = timezone.localdate() + dt.timedelta(days=30)
    limit = rules.add_years(start, agreement.max_licence_years_adult)
    body = request_body(
        performer.performer,
        agreement,
        description={"term_start": start.isoformat(), "term_end": (limit + dt.timedelta(days=1)).isoformat()},
    )
    before = db_snapshot()

    response = studio.client.post(REQUESTS, body, format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert problem["errors"] == [
        _err(
            "description.term_end",
            "term_too_long",
            f"Agreement test-tvth caps a licence for an adult at 10 years (until {limit.isoformat()}).",
        )
    ]
    assert db_snapshot() == before


def test_term_of_exactly_the_maximum_is_accepted(studio, performer, agreement):
    start = timezone.localdate() + dt.timedelta(days=30)
    end = rules.add_years(start, agreement.max_licence_years_adult)
    body = request_body(
        performer.performer, agreement, description={"term_start": start.isoformat(), "term_end": end.isoformat()}
    )

    assert studio.client.post(REQUESTS, body, format="json").status_code == 201


def test_nudity_for_a_minor_is_refused(studio, minor_with_guardian, agreement):
    body = request_body(minor_with_guardian.performer, agreement, description={"sensitive_content": ["nudity"]})
    before = db_snapshot()

    response = studio.client.post(REQUESTS, body, format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert problem["errors"] == [
        _err(
            "description.sensitive_content",
            "minor_sensitive_content",
            "Sexual or nude depiction of a minor's replica (including by aging or de-aging) is refused.",
        )
    ]
    assert db_snapshot() == before


# --- Answers and grant actions that are refused --------------------------------------------
@pytest.fixture
def pending(studio, performer, agreement) -> ConsentRequest:
    response = studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json")
    assert response.status_code == 201
    return ConsentRequest.objects.get(public_id=response.json()["id"])


def test_accept_with_another_sha256_is_409_and_signs_nothing(performer, pending):
    current = pending.current_description.sha256
    before = db_snapshot()

    response = performer.client.post(f"{REQUESTS}{pending.public_id}/accept", _accept_body("0" * 64), format="json")

    problem = assert_problem(
        response, 409, "conflict", "The description you saw is not the current one; review it again before signing."
    )
    assert problem["current_sha256"] == current
    assert db_snapshot() == before


@pytest.mark.parametrize("confirm", [None, False], ids=["missing", "false"])
def test_accept_without_confirm_is_400(performer, pending, confirm):
    body = _accept_body(pending.current_description.sha256)
    if confirm is None:
        del body["confirm"]
        expected = [_err("confirm", "required", "This field is required.")]
    else:
        body["confirm"] = confirm
        expected = [_err("confirm", "required", "Confirm that you read and accept the description.")]
    before = db_snapshot()

    response = performer.client.post(f"{REQUESTS}{pending.public_id}/accept", body, format="json")

    assert assert_problem(response, 400, "validation-error")["errors"] == expected
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [_err("reason", "required", "This field is required.")]),
        ({"reason": "   "}, [_err("reason", "blank", "This field may not be blank.")]),
    ],
    ids=["missing", "blank"],
)
def test_decline_without_reason_is_400(performer, pending, body, errors):
    before = db_snapshot()

    response = performer.client.post(f"{REQUESTS}{pending.public_id}/decline", body, format="json")

    assert assert_problem(response, 400, "validation-error")["errors"] == errors
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [
        # Behind one proxy: the address it saw, not what the client wrote ahead of it.
        ("198.51.100.66, 203.0.113.50", "203.0.113.50"),
        # A header our proxy cannot have written: the proxy itself, never a 500.
        ("203.0.113.50, not-an-address", "10.0.0.5"),
    ],
)
def test_the_signature_records_the_client_address_behind_proxies(settings, performer, pending, forwarded, recorded):
    from registry.consent.models import Signature

    settings.TRUSTED_PROXY_COUNT = 1
    response = performer.client.post(
        f"{REQUESTS}{pending.public_id}/accept",
        _accept_body(pending.current_description.sha256),
        format="json",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    assert response.status_code == 200, response.content
    assert Signature.objects.get(request=pending).client_ip == recorded


def test_answering_an_answered_request_is_409(performer, pending):
    sha = pending.current_description.sha256
    assert (
        performer.client.post(f"{REQUESTS}{pending.public_id}/decline", {"reason": "No."}, format="json").status_code
        == 200
    )
    before = db_snapshot()

    response = performer.client.post(f"{REQUESTS}{pending.public_id}/accept", _accept_body(sha), format="json")

    assert_problem(response, 409, "conflict", f"Request {pending.public_id} is already declined.")
    assert db_snapshot() == before


def test_revoke_when_the_agreement_forbids_it_is_403(studio, performer, agreement):
    agreement.performer_may_revoke = False
    agreement.save(update_fields=["performer_may_revoke"])
    grant = grant_for(studio.studio, performer.performer, agreement)
    before = db_snapshot()

    response = performer.client.post(
        f"{GRANTS}{grant.public_id}/revoke", {"reason": "Changed my mind."}, format="json"
    )

    assert_problem(response, 403, "permission-denied", "Agreement test-tvth does not let performers revoke consent.")
    grant.refresh_from_db()
    assert grant.status == "active"
    assert db_snapshot() == before


def test_suspend_twice_is_409(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    first = performer.client.post(f"{GRANTS}{grant.public_id}/suspend", {"reason": "A pause."}, format="json")
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["suspended_by"]) == ("suspended", ["performer"])
    before = db_snapshot()

    second = performer.client.post(f"{GRANTS}{grant.public_id}/suspend", {}, format="json")

    assert_problem(second, 409, "conflict", f"Grant {grant.public_id} is already suspended by the performer.")
    assert db_snapshot() == before


def test_resume_after_suspend_is_active_again(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    performer.client.post(f"{GRANTS}{grant.public_id}/suspend", {}, format="json")

    response = performer.client.post(f"{GRANTS}{grant.public_id}/resume", {}, format="json")

    assert (response.status_code, response.json()["status"], response.json()["suspended_by"]) == (200, "active", [])
    assert list(GrantStatusChange.objects.filter(grant=grant).values_list("to_status", flat=True)) == [
        "active",
        "suspended",
        "active",
    ]


# --- Idempotency --------------------------------------------------------------------------
def test_idempotency_key_replays_the_same_request(studio, performer, agreement):
    body = request_body(performer.performer, agreement)

    first = studio.client.post(REQUESTS, body, format="json", HTTP_IDEMPOTENCY_KEY="req-0001")
    second = studio.client.post(REQUESTS, body, format="json", HTTP_IDEMPOTENCY_KEY="req-0001")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert list(ConsentRequest.objects.values_list("public_id", flat=True)) == [first.json()["id"]]
    assert AuditEvent.objects.filter(action="consent_request.created").count() == 1


def test_idempotency_key_with_another_body_is_422(studio, performer, agreement):
    studio.client.post(REQUESTS, request_body(performer.performer, agreement), format="json", HTTP_IDEMPOTENCY_KEY="k")
    before = db_snapshot()

    response = studio.client.post(
        REQUESTS,
        request_body(performer.performer, agreement, use="voice_replica"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert_problem(response, 422, "idempotency-key-reused")
    assert db_snapshot() == before


# --- Checks -------------------------------------------------------------------------------
def test_recorded_check_returns_an_audit_event_as_receipt(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    body = _check_body(performer.performer, grant.term_start, record=True)

    response = studio.client.post(CHECKS, body, format="json")

    assert response.status_code == 200
    data = response.json()
    assert (data["allowed"], data["grant"]) == (True, grant.public_id)
    event = AuditEvent.objects.get(pk=data["receipt"])
    assert (event.action, event.subject_type, event.subject_id) == (
        "consent_check.recorded",
        "performer",
        performer.performer.public_id,
    )
    assert (event.studio_id, event.actor_kind) == (studio.studio.public_id, "studio")
    assert event.data["allowed"] is True
    assert event.data["grant"] == grant.public_id
    assert event.data["on"] == grant.term_start.isoformat()


def test_unrecorded_check_writes_nothing(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    before = db_snapshot()

    response = studio.client.post(CHECKS, _check_body(performer.performer, grant.term_start), format="json")

    assert response.json()["receipt"] is None
    assert db_snapshot() == before


def _grant_signed_in_the_past(studio, performer, agreement, *, days_ago: int) -> ConsentGrant:
    """A grant requested and signed `days_ago` days ago, its term starting that day."""
    from registry.api.serializers.consent import (
        ConsentRequestCreateSerializer,
        compensation_from,
        description_from,
        project_from,
    )

    then = timezone.now() - dt.timedelta(days=days_ago)
    start = timezone.localdate(then)
    body = request_body(
        performer,
        agreement,
        description={"term_start": start.isoformat(), "term_end": (start + dt.timedelta(days=730)).isoformat()},
    )
    parsed = ConsentRequestCreateSerializer(data=body)
    parsed.is_valid(raise_exception=True)
    data = parsed.validated_data
    new = services.NewRequest(
        studio=studio,
        performer=performer,
        agreement=agreement,
        use=data["use"],
        project=project_from(data["project"]),
        description=description_from(data["description"]),
        compensation=compensation_from(data["compensation"]),
    )
    request = services.consent_request_create(new=new, actor=SYSTEM, now=then)
    signer = services.signer_for(
        user=performer.user, performer=performer, is_union_admin=False, name="Maya Okafor", on=start
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text=ATTESTATION,
        actor=SYSTEM,
        now=then + dt.timedelta(minutes=5),
    )


def test_check_at_a_past_date_answers_as_of_that_date(studio, performer, agreement):
    # Given: a grant signed 20 days ago and revoked today.
    grant = _grant_signed_in_the_past(studio.studio, performer.performer, agreement, days_ago=20)
    services.grant_revoke(grant=grant, reason="Changed my mind.", acting_user=login_of(grant.performer))
    today = timezone.localdate()

    # When/Then: ten days ago it was covered; today it is revoked.
    past = studio.client.post(CHECKS, _check_body(performer.performer, today - dt.timedelta(days=10)), format="json")
    assert (past.json()["allowed"], past.json()["grant"], past.json()["reasons"]) == (True, grant.public_id, [])
    now = studio.client.post(CHECKS, _check_body(performer.performer, today), format="json").json()
    assert now["allowed"] is False
    assert [(r["code"], r["grant"]) for r in now["reasons"]] == [("revoked", grant.public_id)]


def test_check_before_the_grant_existed_is_no_grant(studio, performer, agreement):
    _grant_signed_in_the_past(studio.studio, performer.performer, agreement, days_ago=20)
    before_signing = timezone.localdate() - dt.timedelta(days=25)

    response = studio.client.post(CHECKS, _check_body(performer.performer, before_signing), format="json")

    assert response.json()["allowed"] is False
    assert [r["code"] for r in response.json()["reasons"]] == ["no_grant"]


def test_a_studio_checks_only_its_own_uses(studio, other_studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    body = _check_body(performer.performer, grant.term_start)

    own = studio.client.post(CHECKS, body, format="json").json()
    other = other_studio.client.post(CHECKS, body, format="json").json()

    assert (own["allowed"], own["grant"]) == (True, grant.public_id)
    assert (other["allowed"], other["grant"], other["token_id"]) == (False, None, None)
    assert other["reasons"] == [
        {
            "code": "no_grant",
            "field": None,
            "message": "No consent from this performer covers this use.",
            "grant": None,
        }
    ]


def test_check_outside_scope_names_the_field(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)

    response = studio.client.post(
        CHECKS, _check_body(performer.performer, grant.term_start, media=["broadcast_tv"]), format="json"
    )

    data = response.json()
    assert data["allowed"] is False
    assert [(r["code"], r["field"], r["grant"]) for r in data["reasons"]] == [
        ("outside_scope", "media", grant.public_id)
    ]


# --- Rule 2.4: a use is held to the whole signed description -----------------------------------
WHOLE_USE = {
    "role": "ana reyes, rooftop chase",
    "intended_use": "  Replica performs the rooftop stunt sequence in place of a double ",
    "media": ["streaming", "theatrical"],
    "territory": ["us", "CA"],
}


def test_a_use_stated_whole_inside_the_description_is_covered(studio, performer, agreement):
    # Given: a grant for Detective Ana Reyes's rooftop chase, with violence flagged and signed.
    grant = grant_for(studio.studio, performer.performer, agreement, description={"sensitive_content": ["violence"]})

    # When: the studio states every dimension of the use, each within what was signed.
    response = studio.client.post(
        CHECKS,
        _check_body(performer.performer, grant.term_start, sensitive_content=["violence"], **WHOLE_USE),
        format="json",
    )

    # Then: it is covered by that grant.
    assert response.status_code == 200, response.content
    assert (response.json()["allowed"], response.json()["grant"], response.json()["reasons"]) == (
        True,
        grant.public_id,
        [],
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"role": "Captain Lee"}, "role", "The grant's description does not cover this role or scene."),
        (
            {"intended_use": "Trailer voice-over"},
            "intended_use",
            "This intended use is not one the grant's description lists.",
        ),
        (
            {"sensitive_content": ["nudity", "violence"]},
            "sensitive_content",
            "Sensitive content the performer did not consent to: nudity, violence.",
        ),
        ({"realtime_generation": True}, "realtime_generation", "The grant does not cover real-time generation."),
        ({"media": ["streaming", "radio"]}, "media", "Not covered media: radio."),
        ({"territory": ["US", "FR"]}, "territory", "Not covered territory: FR."),
    ],
    ids=["role", "intended_use", "sensitive_content", "realtime", "media", "territory"],
)
def test_each_dimension_outside_the_description_is_named(studio, performer, agreement, change, field, message):
    grant = grant_for(studio.studio, performer.performer, agreement)
    body = _check_body(performer.performer, grant.term_start, **{**WHOLE_USE, **change})

    response = studio.client.post(CHECKS, body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["allowed"] is False
    assert response.json()["reasons"] == [
        {"code": "outside_scope", "field": field, "message": message, "grant": grant.public_id}
    ]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"media": None}, "State the media of the use (rule 2.4)."),
        ({"media": []}, "State at least one medium of the use (rule 2.4)."),
        ({"territory": None}, "State the territory of the use (rule 2.4)."),
        ({"territory": []}, "State at least one territory of the use, or WW (rule 2.4)."),
    ],
    ids=["media-absent", "media-empty", "territory-absent", "territory-empty"],
)
def test_a_check_without_media_or_territory_is_a_400_naming_it(studio, performer, agreement, missing, message):
    grant = grant_for(studio.studio, performer.performer, agreement)
    body = _check_body(performer.performer, grant.term_start)
    for key, value in missing.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    before = db_snapshot()

    response = studio.client.post(CHECKS, body, format="json")

    problem = assert_problem(response, 400, "validation-error")
    ((name, value),) = missing.items()
    code = "required" if value is None else "empty"
    assert problem["errors"] == [{"field": name, "code": code, "message": message}]
    assert db_snapshot() == before


def test_check_of_an_unknown_performer_is_422(studio):
    before = db_snapshot()

    response = studio.client.post(
        CHECKS,
        {
            "performer": "prf_nosuchperformer",
            "use": "replica_use",
            "project": PROJECT,
            "media": ["streaming"],
            "territory": ["US"],
        },
        format="json",
    )

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert problem["errors"] == [_err("performer", "unknown_performer", "No performer has this id or member number.")]
    assert db_snapshot() == before


# --- Standing preferences decline at once ---------------------------------------------------
def test_auto_declined_request_shows_the_reason_to_the_studio(studio, performer, agreement):
    performer.client.put(
        f"/api/v1/performers/{performer.performer.public_id}/preferences",
        {"declined_uses": ["voice_replica"]},
        format="json",
    )

    created = studio.client.post(
        REQUESTS, request_body(performer.performer, agreement, use="voice_replica"), format="json"
    )

    assert created.status_code == 201
    seen = studio.client.get(f"{REQUESTS}{created.json()['id']}").json()
    assert seen["status"] == "declined"
    assert seen["decline"] == {
        "reason": "The performer declines every voice replica request.",
        "codes": ["declines_use_type"],
        "automatic": True,
    }
    assert created.json()["decline"] == seen["decline"]
    assert seen["answered_at"] is not None


def test_an_auto_declined_request_cannot_be_accepted(studio, performer, agreement):
    performer.client.put(
        f"/api/v1/performers/{performer.performer.public_id}/preferences", {"do_not_train": True}, format="json"
    )
    created = studio.client.post(
        REQUESTS,
        request_body(performer.performer, agreement, use="training", description={"media": ["ai_model"]}),
        format="json",
    ).json()
    assert created["decline"]["codes"] == ["do_not_train"]
    before = db_snapshot()

    response = performer.client.post(
        f"{REQUESTS}{created['id']}/accept", _accept_body(created["description"]["sha256"]), format="json"
    )

    assert_problem(response, 409, "conflict", f"Request {created['id']} is already declined.")
    assert db_snapshot() == before


def test_guardian_signs_for_the_minor(studio, minor_with_guardian, agreement):
    created = studio.client.post(
        REQUESTS, request_body(minor_with_guardian.performer, agreement), format="json"
    ).json()

    response = minor_with_guardian.client.post(
        f"{REQUESTS}{created['id']}/accept",
        _accept_body(created["description"]["sha256"], signer_name="Elena Rivera"),
        format="json",
    )

    assert response.status_code == 200
    grant = ConsentGrant.objects.get(public_id=response.json()["grant"])
    assert (grant.signer_role, grant.request.signature.signer_name) == ("guardian", "Elena Rivera")


# --- Regressions ----------------------------------------------------------------
# PostgreSQL once refused accept and decline (FOR UPDATE across the nullable 'amends' join): 500.
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_answering_a_request_works_on_every_database(performer, pending, answer):
    body = _accept_body(pending.current_description.sha256) if answer == "accept" else {"reason": "No, thanks."}

    response = performer.client.post(f"{REQUESTS}{pending.public_id}/{answer}", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == {"accept": "accepted", "decline": "declined"}[answer]


# A superseded version once kept its open suspensions and could still be resumed (200).
def test_a_superseded_grant_cannot_be_resumed(studio, performer, agreement):
    old = grant_for(studio.studio, performer.performer, agreement)
    performer.client.post(f"{GRANTS}{old.public_id}/suspend", {"reason": "A pause."}, format="json")
    amended = studio.client.post(
        REQUESTS, request_body(performer.performer, agreement, amends=old.public_id), format="json"
    ).json()
    performer.client.post(
        f"{REQUESTS}{amended['id']}/accept", _accept_body(amended["description"]["sha256"]), format="json"
    )
    superseded = studio.client.get(f"{GRANTS}{old.public_id}").json()
    assert (superseded["status"], superseded["suspended_by"]) == ("superseded", [])
    before = db_snapshot()

    response = performer.client.post(f"{GRANTS}{old.public_id}/resume", {}, format="json")

    assert_problem(response, 409, "conflict", f"Grant {old.public_id} is superseded; it cannot be resumed.")
    assert db_snapshot() == before
