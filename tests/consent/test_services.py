"""Consent services against the database: requests, signatures, grants, strikes, checks, audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.audit.selectors import verify_audit_chain
from registry.consent import rules, selectors, services
from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    DescriptionVersion,
    GrantStatusChange,
    PerformerPreferences,
    Signature,
    Strike,
    Suspension,
)
from registry.core.errors import NotPermittedError, RuleViolationError, StateConflictError
from registry.core.vocabulary.consent import UseType
from registry.parties.callers import Caller, CallerKind
from registry.parties.services import estate_search_record, representative_authorise
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import accept, audited_status_changes, create_request, run_strike_jobs

pytestmark = pytest.mark.django_db

# --- Builders that place events in time ----------------------------------------------------------
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
D0 = T0.date()
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PICTURE = rules.Project(kind="picture", title="The Long Night", production_number="NLP-2027-004")
SEQUEL = rules.Project(kind="picture", title="The Long Night II", production_number="NLP-2029-001")
PAY = rules.Compensation(amount=Decimal("1283.00"), currency="USD", unit="day", estimated_days=Decimal("3"))
ATTESTATION = "I have read the description and I consent to this use."


def description(*, start: dt.date = D0, days: int = 365, **changes) -> rules.Description:
    values = {
        "role_or_scenes": "Detective Ana Reyes, rooftop chase in scenes 41-44",
        "intended_uses": ("Replica performs the rooftop stunt sequence in place of a double",),
        "media": ("theatrical", "streaming"),
        "territory": ("US", "CA"),
        "term_start": start,
        "term_end": start + dt.timedelta(days=days),
    }
    values.update(changes)
    return rules.Description(**values)


def new_request(studio, performer, agreement, *, start: dt.date = D0, **changes) -> services.NewRequest:
    values = {
        "studio": studio,
        "performer": performer,
        "agreement": agreement,
        "use": UseType.REPLICA_USE,
        "project": PICTURE,
        "description": description(start=start),
        "compensation": PAY,
    }
    values.update(changes)
    return services.NewRequest(**values)


def place(studio, performer, agreement, *, now=T0, **changes) -> ConsentRequest:
    """A request made at `now`; unless given, its description's term starts that day."""
    new = new_request(studio, performer, agreement, start=now.date(), **changes)
    return services.consent_request_create(new=new, actor=SYSTEM, now=now)


def sign(request, *, now, user=None, union_admin=False, name="Maya Okafor", **extra) -> ConsentGrant:
    signer = services.signer_for(
        user=user or request.performer.user,
        performer=request.performer,
        is_union_admin=union_admin,
        name=name,
        on=now.date(),
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text=ATTESTATION,
        actor=SYSTEM,
        now=now,
        **extra,
    )


def granted(studio, performer, agreement, *, at=T0, **changes) -> ConsentGrant:
    """A grant requested at `at` and signed by the performer an hour later."""
    return sign(place(studio, performer, agreement, now=at, **changes), now=at + HOUR)


def check(studio, performer, on: dt.date, *, now: dt.datetime, **query) -> rules.CheckOutcome:
    values = {"use": UseType.REPLICA_USE, "project": PICTURE, "on": on, "media": ("streaming",), "territory": ("US",)}
    values.update(query)
    use_query = rules.UseQuery(**values)
    outcome = selectors.consent_check(studio_id=studio.pk, performer=performer, query=use_query, now=now)
    # The API's path (one statement, then the history for a past date) must answer the same.
    _, by_reference = selectors.consent_check_by_reference(
        studio_id=studio.pk, performer_reference=performer.public_id, query=use_query, now=now
    )
    assert by_reference == outcome
    return outcome


def reasons(outcome) -> list[tuple[str, str | None, str | None]]:
    return [(r.code, r.field, r.grant_id) for r in outcome.reasons]


def actions(subject_type: str, subject_id: str) -> list[str]:
    """The subject's own audit actions ("grant.*" for a grant), oldest first.

    Other apps hook grant changes and audit under the same subject (e.g. "token.issued"); those
    are their tests' business.
    """
    prefix = {"grant": "grant.", "consent_request": ("consent_request.", "description_version.")}.get(subject_type, "")
    return [
        action
        for action in AuditEvent.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .order_by("id")
        .values_list("action", flat=True)
        if action.startswith(prefix)
    ]


def history(grant) -> list[tuple[str, str, dt.datetime]]:
    return [
        (c.from_status, c.to_status, c.at) for c in GrantStatusChange.objects.filter(grant=grant).order_by("at", "id")
    ]


def problems(excinfo) -> list[tuple[str | None, str]]:
    return [(p.field, p.code) for p in excinfo.value.problems]


def row_counts() -> dict[str, int]:
    models = (ConsentRequest, DescriptionVersion, Signature, ConsentGrant, GrantStatusChange, Suspension, AuditEvent)
    return {m.__name__: m.objects.count() for m in models}


def reload(obj):
    obj.refresh_from_db()
    return obj


# --- Creating a request --------------------------------------------------------------------------------
def test_request_create_stores_the_request_and_a_hashed_description_version(studio, performer, agreement):
    # given
    start = timezone.localdate() + dt.timedelta(days=30)

    # when
    request = create_request(studio.studio, performer.performer, agreement)

    # then the request
    request = reload(request)
    assert request.public_id.startswith("crq_")
    assert (request.status, request.use, request.auto_declined, request.answered_at) == (
        "pending",
        "replica_use",
        False,
        None,
    )
    assert (request.project_kind, request.project_title, request.production_number) == (
        "picture",
        "The Long Night",
        "NLP-2027-004",
    )
    assert (request.compensation_amount, request.compensation_currency, request.compensation_unit) == (
        Decimal("1283.00"),
        "USD",
        "day",
    )
    assert request.estimated_days == Decimal("3")
    assert request.expires_at - request.requested_at == dt.timedelta(days=14)
    # then its one description version, in canonical form
    version = DescriptionVersion.objects.get(request=request)
    expected_content = {
        "role_or_scenes": "Detective Ana Reyes, rooftop chase in scenes 41-44",
        "intended_uses": ["Replica performs the rooftop stunt sequence in place of a double"],
        "media": ["streaming", "theatrical"],
        "territory": ["CA", "US"],
        "term_start": start.isoformat(),
        "term_end": (start + dt.timedelta(days=730)).isoformat(),
        "sensitive_content": [],
        "content_categories": [],
        "realtime_generation": None,
        "depicts_minor": False,
        "future_spots": False,
        "detail": "Face and body replica from the November scan.",
        # What the performer signs beside the description, hashed with it (issue 18).
        "compensation": {
            "amount": "1283.00",
            "currency": "USD",
            "unit": "day",
            "estimated_days": "3.00",
            "negotiated_per_use": False,
        },
        "replica_origin": "employment_based",
    }
    canonical = json.dumps(expected_content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert (version.version, version.content) == (1, expected_content)
    assert version.sha256 == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert request.current_description == version
    # then two audit events, the second carrying the hash the performer will sign
    assert actions("consent_request", request.public_id) == ["consent_request.created", "description_version.created"]
    created, described = AuditEvent.objects.filter(subject_id=request.public_id).order_by("id")
    assert (created.performer_id, created.studio_id) == (performer.performer.public_id, studio.studio.public_id)
    assert created.data["use"] == "replica_use"
    assert created.data["agreement"] == "test-tvth"
    assert described.data == {"version": 1, "sha256": version.sha256, "content": expected_content}


def test_request_breaking_a_rule_stores_nothing(studio, performer, agreement):
    # given
    before = row_counts()

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(
            studio.studio,
            performer.performer,
            agreement,
            project=rules.Project(kind="picture", title="All future projects", production_number="*"),
            description=description(intended_uses=("any and all uses",), start=D0 - DAY),
        )

    # then
    assert problems(excinfo) == [
        ("description.intended_uses.0", "vague_description"),
        ("project", "blanket_scope"),
        ("description.term_start", "term_in_past"),
    ]
    assert row_counts() == before


def test_request_from_a_studio_not_signatory_to_the_agreement_is_refused(studio, performer, agreement):
    # given
    studio.studio.agreements.remove(agreement)
    before = row_counts()

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(studio.studio, performer.performer, agreement)

    # then
    assert problems(excinfo) == [("agreement", "studio_not_signatory")]
    assert str(excinfo.value) == "agreement: Northlight Pictures is not a signatory to agreement test-tvth."
    assert row_counts() == before


def test_request_for_a_minor_with_nudity_is_refused(studio, minor_with_guardian, agreement):
    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(
            studio.studio,
            minor_with_guardian.performer,
            agreement,
            description=description(sensitive_content=("nudity",)),
        )

    # then
    assert problems(excinfo) == [("description.sensitive_content", "minor_sensitive_content")]
    assert ConsentRequest.objects.count() == 0


def test_request_for_a_deceased_performer_no_one_can_sign_for_is_refused(studio, deceased, agreement):
    # given
    agreement.union_consents_for_deceased = False
    agreement.save()

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(studio.studio, deceased.performer, agreement)

    # then
    assert problems(excinfo) == [("performer", "no_one_can_consent")]
    assert ConsentRequest.objects.count() == 0


def test_request_conflicting_with_preferences_is_stored_declined_and_not_emailed(
    studio, performer, agreement, django_capture_on_commit_callbacks, mailoutbox
):
    # given a performer with an email who never allows training and floors day rates at 1500
    performer.performer.email = "maya@example.com"
    performer.performer.save()
    services.preferences_update(
        performer=performer.performer,
        acting_user=login_of(performer.performer),
        do_not_train=True,
        opt_out_categories=[],
        declined_uses=[],
        rate_floor_amount=Decimal("1500.00"),
        rate_floor_currency="USD",
        rate_floor_unit="day",
    )

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request = place(
            studio.studio,
            performer.performer,
            agreement,
            use=UseType.TRAINING,
            description=description(media=("ai_model",)),
        )

    # then
    request = reload(request)
    assert (request.status, request.auto_declined, request.answered_at) == ("declined", True, T0)
    assert request.decline_codes == ["do_not_train", "below_rate_floor"]
    assert request.decline_reason == (
        "The performer does not consent to training use. "
        "The proposed 1283.00 USD per day is below the performer's floor of 1500.00."
    )
    assert DescriptionVersion.objects.filter(request=request).count() == 1
    assert actions("consent_request", request.public_id) == [
        "consent_request.created",
        "description_version.created",
        "consent_request.auto_declined",
    ]
    auto = AuditEvent.objects.get(action="consent_request.auto_declined")
    assert (auto.actor_kind, auto.actor_name) == ("system", "standing preferences")
    assert auto.data["codes"] == ["do_not_train", "below_rate_floor"]
    assert callbacks == []
    assert mailoutbox == []


def test_request_emails_the_performer_and_each_active_representative(
    studio, performer, agent, agreement, django_capture_on_commit_callbacks, mailoutbox
):
    # given a performer with an email, an active agent, and a lawyer whose authority has ended
    performer.performer.email = "maya@example.com"
    performer.performer.save()
    representative_authorise(
        performer=performer.performer,
        kind="lawyer",
        name="Former Lawyer",
        email="former@law.example",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 12, 31),
        authority_document="Retainer 2020",
        actor=SYSTEM,
    )

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request = place(studio.studio, performer.performer, agreement, now=T0)

    # then
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [["maya@example.com"], ["priya@agency.example"]]
    assert {m.subject for m in mailoutbox} == {"Consent request from Northlight Pictures: Using a digital replica"}
    link = f"{settings.REGISTRY_BASE_URL}/portal/requests/{request.public_id}"
    for message in mailoutbox:
        assert f"Review the full description and answer here:\n{link}\n" in message.body
        assert "The request expires on 15 March 2027, 09:00 UTC if it is not answered." in message.body
    assert mailoutbox[0].body.startswith("Hello Maya Okafor,")
    assert "for whom you act as agent" not in mailoutbox[0].body
    assert mailoutbox[1].body.startswith("Hello Priya Agent,")
    assert "Northlight Pictures asks for consent from Maya Okafor, for whom you act as agent:" in mailoutbox[1].body


def test_request_for_a_deceased_performer_emails_the_estate_not_the_performer(
    studio, deceased_with_estate, agreement, django_capture_on_commit_callbacks, mailoutbox
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        place(studio.studio, deceased_with_estate.performer, agreement)

    # then
    assert [m.to for m in mailoutbox] == [["olive@estate.example"]]


# --- Accepting -------------------------------------------------------------------------------------------
def test_accept_creates_grant_v1_with_history_signature_and_audit(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement, now=T0)
    version = request.current_description
    signed_at = T0 + 2 * HOUR

    # when
    grant = sign(
        request,
        now=signed_at,
        client_ip="203.0.113.7",
        user_agent="Mozilla/5.0 (test)",
        represented_by="Union counsel",
    )

    # then the grant
    grant = reload(grant)
    assert grant.public_id.startswith("cgr_")
    assert grant.lineage_id.startswith("cgl_")
    assert (grant.version, grant.status, grant.supersedes, grant.activated_at, grant.ended_at) == (
        1,
        "active",
        None,
        signed_at,
        None,
    )
    assert (grant.studio, grant.performer, grant.agreement, grant.use) == (
        studio.studio,
        performer.performer,
        agreement,
        "replica_use",
    )
    assert (grant.term_start, grant.term_end) == (D0, D0 + dt.timedelta(days=365))
    assert (grant.media, grant.territory) == (["streaming", "theatrical"], ["CA", "US"])
    assert (grant.description_sha256, grant.signer_role) == (version.sha256, "performer")
    assert history(grant) == [("", "active", signed_at)]
    # then the signature
    signature = Signature.objects.get(request=request)
    assert (signature.signer_role, signature.signer_name, signature.signer_user) == (
        "performer",
        "Maya Okafor",
        performer.user,
    )
    assert (signature.description_version, signature.description_sha256) == (version, version.sha256)
    assert (signature.method, signature.attestation_text, signature.represented_by) == (
        "portal_attestation",
        ATTESTATION,
        "Union counsel",
    )
    assert (signature.signed_at, signature.client_ip, signature.user_agent) == (
        signed_at,
        "203.0.113.7",
        "Mozilla/5.0 (test)",
    )
    assert signature.representative is None
    # then the request and the audit trail
    request = reload(request)
    assert (request.status, request.answered_at) == ("accepted", signed_at)
    assert actions("consent_request", request.public_id) == [
        "consent_request.created",
        "description_version.created",
        "consent_request.signed",
    ]
    assert actions("grant", grant.public_id) == ["grant.activated"]
    activated = AuditEvent.objects.get(action="grant.activated")
    assert activated.data["lineage"] == grant.lineage_id
    assert (activated.data["version"], activated.data["signer_role"]) == (1, "performer")


def test_accept_with_a_stale_description_hash_creates_nothing(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement)
    signer = services.signer_for(
        user=performer.user, performer=performer.performer, is_union_admin=False, name="Maya Okafor", on=D0
    )
    before = row_counts()

    # when
    with pytest.raises(StateConflictError) as excinfo:
        services.consent_request_accept(
            request=request,
            signer=signer,
            description_sha256="0" * 64,
            attestation_text=ATTESTATION,
            actor=SYSTEM,
            now=T0 + HOUR,
        )

    # then
    assert excinfo.value.extra == {"current_sha256": request.current_description.sha256}
    assert row_counts() == before
    assert reload(request).status == "pending"


def test_accept_without_an_attestation_is_refused(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement)
    signer = services.signer_for(
        user=performer.user, performer=performer.performer, is_union_admin=False, name="Maya Okafor", on=D0
    )

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        services.consent_request_accept(
            request=request,
            signer=signer,
            description_sha256=request.current_description.sha256,
            attestation_text="   ",
            actor=SYSTEM,
            now=T0 + HOUR,
        )

    # then
    assert problems(excinfo) == [("attestation_text", "required")]
    assert (reload(request).status, ConsentGrant.objects.count()) == ("pending", 0)


def test_a_request_is_answered_once(studio, performer, agreement):
    # given an accepted request
    request = place(studio.studio, performer.performer, agreement)
    sign(request, now=T0 + HOUR)
    before = row_counts()

    # when / then
    with pytest.raises(StateConflictError, match="already accepted"):
        sign(request, now=T0 + 2 * HOUR)
    with pytest.raises(StateConflictError, match="already accepted"):
        services.consent_request_decline(
            request=request, reason="Changed my mind", acting_user=login_of(request.performer), now=T0 + 2 * HOUR
        )
    assert row_counts() == before


def test_a_declined_request_cannot_then_be_accepted(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement)
    services.consent_request_decline(
        request=request, reason="Not this role", acting_user=login_of(request.performer), now=T0 + HOUR
    )

    # when / then
    with pytest.raises(StateConflictError, match="already declined"):
        sign(request, now=T0 + 2 * HOUR)
    assert ConsentGrant.objects.count() == 0


def test_a_request_cannot_be_answered_once_it_expires(studio, performer, agreement):
    # given a request that expires at T0 + 14 days
    request = place(studio.studio, performer.performer, agreement)
    expires_at = T0 + dt.timedelta(days=14)
    assert request.expires_at == expires_at

    # when / then
    with pytest.raises(StateConflictError, match="expired"):
        sign(request, now=expires_at)
    with pytest.raises(StateConflictError, match="expired"):
        services.consent_request_decline(
            request=request, reason="Too late", acting_user=login_of(request.performer), now=expires_at + DAY
        )
    assert (reload(request).status, ConsentGrant.objects.count(), Signature.objects.count()) == ("pending", 0, 0)


def test_a_request_can_be_accepted_just_before_it_expires(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement)

    # when
    grant = sign(request, now=request.expires_at - dt.timedelta(seconds=1))

    # then
    assert grant.status == "active"


def test_consent_requests_expire_due_expires_only_overdue_pending_requests(studio, performer, agreement):
    # given one request due at T0+14d, one a day later, and one already answered
    due = place(studio.studio, performer.performer, agreement, now=T0)
    later = place(studio.studio, performer.performer, agreement, now=T0 + DAY, project=SEQUEL)
    answered = place(
        studio.studio,
        performer.performer,
        agreement,
        now=T0,
        project=rules.Project(kind="picture", title="Third", production_number="NLP-3"),
    )
    services.consent_request_decline(
        request=answered, reason="No", acting_user=login_of(answered.performer), now=T0 + HOUR
    )
    expires_at = T0 + dt.timedelta(days=14)

    # when
    early = services.consent_requests_expire_due(now=expires_at - dt.timedelta(seconds=1))
    on_time = services.consent_requests_expire_due(now=expires_at)
    again = services.consent_requests_expire_due(now=expires_at)

    # then
    assert (early, on_time, again) == (0, 1, 0)
    assert (reload(due).status, reload(due).answered_at) == ("expired", expires_at)
    assert (reload(later).status, reload(answered).status) == ("pending", "declined")
    assert actions("consent_request", due.public_id)[-1] == "consent_request.expired"
    assert actions("consent_request", later.public_id)[-1] == "description_version.created"


def test_decline_requires_a_reason(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement)

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        services.consent_request_decline(
            request=request, reason="  ", acting_user=login_of(request.performer), now=T0 + HOUR
        )

    # then
    assert problems(excinfo) == [("reason", "required")]
    assert reload(request).status == "pending"
    assert actions("consent_request", request.public_id) == ["consent_request.created", "description_version.created"]


def test_decline_with_a_reason_records_it(studio, performer, agreement):
    # given
    request = place(studio.studio, performer.performer, agreement)

    # when
    services.consent_request_decline(
        request=request,
        reason="  I do not do stunt replicas.  ",
        acting_user=login_of(request.performer),
        now=T0 + HOUR,
    )

    # then
    request = reload(request)
    assert (request.status, request.answered_at, request.decline_reason, request.auto_declined) == (
        "declined",
        T0 + HOUR,
        "I do not do stunt replicas.",
        False,
    )
    assert actions("consent_request", request.public_id)[-1] == "consent_request.declined"


# --- Who signs ---------------------------------------------------------------------------------------------
def test_signer_for_the_performer_themself(performer):
    # when
    signer = services.signer_for(
        user=performer.user, performer=performer.performer, is_union_admin=False, name="Maya Okafor", on=D0
    )

    # then
    assert (signer.role, signer.name, signer.user, signer.representative) == (
        "performer",
        "Maya Okafor",
        performer.user,
        None,
    )


def test_signer_for_an_adult_through_their_agent(performer, agent):
    # when
    signer = services.signer_for(
        user=agent.user, performer=performer.performer, is_union_admin=False, name="Priya", on=D0
    )

    # then
    assert (signer.role, signer.representative) == ("representative", agent)


def test_the_guardian_signs_for_a_minor(studio, minor_with_guardian, agreement):
    # given
    request = place(studio.studio, minor_with_guardian.performer, agreement, description=description(days=365 * 5))

    # when
    grant = sign(request, user=minor_with_guardian.user, name="Elena Rivera", now=T0 + HOUR)

    # then
    rep = minor_with_guardian.performer.representatives.get()
    assert grant.signer_role == "guardian"
    signature = Signature.objects.get(request=request)
    assert (signature.signer_role, signature.representative, signature.signer_user) == (
        "guardian",
        rep,
        minor_with_guardian.user,
    )


def test_a_minor_cannot_sign_for_themself(minor_with_guardian):
    # given the minor has their own login
    minor = minor_with_guardian.performer
    minor.user = get_user_model().objects.create_user(username="sam", password="pw-for-tests-1")
    minor.save()

    # when / then
    with pytest.raises(NotPermittedError) as excinfo:
        services.signer_for(user=minor.user, performer=minor, is_union_admin=False, name="Sam", on=D0)
    assert excinfo.value.message == "A minor may see their records; their guardian acts for them."


def test_another_performer_cannot_sign(performer, other_performer):
    with pytest.raises(NotPermittedError) as excinfo:
        services.signer_for(
            user=other_performer.user, performer=performer.performer, is_union_admin=False, name="Leo", on=D0
        )
    assert excinfo.value.message == "You may not answer requests for this performer."


def test_the_estate_signs_for_a_deceased_performer(studio, deceased_with_estate, agreement):
    # given
    request = place(studio.studio, deceased_with_estate.performer, agreement)

    # when
    grant = sign(request, user=deceased_with_estate.user, name="Olive Crane", now=T0 + HOUR)

    # then
    assert grant.signer_role == "estate"
    assert Signature.objects.get(request=request).representative == deceased_with_estate.representative


def test_the_union_signs_for_a_deceased_performer_with_no_estate(studio, deceased, staff, agreement):
    # given a diligent search for an estate on record (rule 2.8)
    search = estate_search_record(
        performer=deceased.performer,
        searcher="Ada Admin",
        searched_on=D0 - DAY,
        steps="Probate records of Los Angeles County, the former agent, two nieces: no executor named.",
        actor=SYSTEM,
        now=T0,
    )
    request = place(studio.studio, deceased.performer, agreement)

    # when
    grant = sign(request, user=staff.user, union_admin=True, name="Ada (union)", now=T0 + HOUR)

    # then the signature rests on the search
    assert grant.signer_role == "union"
    assert (
        Signature.objects.get(request=request).signer_role,
        Signature.objects.get(request=request).estate_search,
    ) == (
        "union",
        search,
    )


def test_the_union_may_not_sign_before_a_search_for_an_estate_is_recorded(deceased, staff):
    with pytest.raises(NotPermittedError) as excinfo:
        services.signer_for(user=staff.user, performer=deceased.performer, is_union_admin=True, name="Ada", on=D0)
    assert "once staff have recorded a diligent search" in excinfo.value.message


def test_the_union_may_not_sign_when_an_estate_exists(deceased_with_estate, staff):
    with pytest.raises(NotPermittedError) as excinfo:
        services.signer_for(
            user=staff.user, performer=deceased_with_estate.performer, is_union_admin=True, name="Ada", on=D0
        )
    assert excinfo.value.message == (
        "The union consents only for a deceased performer with no estate on record, once staff have "
        "recorded a diligent search for one."
    )


def test_the_union_may_not_sign_for_a_living_performer(performer, staff):
    with pytest.raises(NotPermittedError) as excinfo:
        services.signer_for(user=staff.user, performer=performer.performer, is_union_admin=True, name="Ada", on=D0)
    assert excinfo.value.message == (
        "The union consents only for a deceased performer with no estate on record, once staff have "
        "recorded a diligent search for one."
    )


def test_staff_who_are_not_union_admins_cannot_sign_for_the_deceased(deceased, analyst):
    with pytest.raises(NotPermittedError) as excinfo:
        services.signer_for(user=analyst.user, performer=deceased.performer, is_union_admin=False, name="Ana", on=D0)
    assert excinfo.value.message == "You may not answer requests for this performer."


# --- Amendments ----------------------------------------------------------------------------------------------
def test_an_accepted_amendment_supersedes_the_old_version(studio, performer, agreement):
    # given v1 for theatrical and streaming, signed at T0+1h
    v1 = granted(studio.studio, performer.performer, agreement, at=T0)
    amended_at = T0 + 2 * DAY

    # when an amendment adding broadcast TV is requested and accepted
    request = place(
        studio.studio,
        performer.performer,
        agreement,
        now=T0 + DAY,
        amends=v1,
        description=description(start=D0 + DAY, media=("theatrical", "streaming", "broadcast_tv")),
    )
    v2 = sign(request, now=amended_at)

    # then v1 is superseded and v2 continues the lineage
    v1, v2 = reload(v1), reload(v2)
    assert (v1.status, v1.ended_at) == ("superseded", amended_at)
    assert history(v1) == [("", "active", T0 + HOUR), ("active", "superseded", amended_at)]
    assert (v2.lineage_id, v2.version, v2.supersedes, v2.status) == (v1.lineage_id, 2, v1, "active")
    assert v2.media == ["broadcast_tv", "streaming", "theatrical"]
    assert actions("grant", v1.public_id) == ["grant.activated", "grant.superseded"]
    assert actions("grant", v2.public_id) == ["grant.amended"]
    assert ConsentGrant.objects.filter(lineage_id=v1.lineage_id, status__in=["active", "suspended"]).get() == v2
    # and the check answers with v2, before and after
    now = T0 + 3 * DAY
    assert check(studio.studio, performer.performer, D0 + 3 * DAY, now=now, media=("broadcast_tv",)).grant_id == (
        v2.public_id
    )
    on_day_one = check(studio.studio, performer.performer, D0, now=now, media=("streaming",))
    assert (on_day_one.allowed, on_day_one.grant_id) == (True, v1.public_id)


def test_amending_another_studios_grant_is_refused(studio, other_studio, performer, agreement):
    # given
    theirs = granted(other_studio.studio, performer.performer, agreement)
    before = row_counts()

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(studio.studio, performer.performer, agreement, now=T0 + DAY, amends=theirs)

    # then
    assert problems(excinfo) == [("amends", "not_your_grant")]
    assert row_counts() == before


def test_amending_a_revoked_grant_is_refused(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    services.grant_revoke(grant=grant, reason="No longer", acting_user=login_of(grant.performer), now=T0 + DAY)
    before = row_counts()

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(studio.studio, performer.performer, agreement, now=T0 + 2 * DAY, amends=reload(grant))

    # then
    assert problems(excinfo) == [("amends", "grant_not_live")]
    assert row_counts() == before


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"project": SEQUEL}, id="other-project"),
        pytest.param({"use": UseType.VOICE_REPLICA}, id="other-use"),
    ],
)
def test_an_amendment_keeps_the_use_and_the_project(studio, performer, agreement, changes):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    before = row_counts()

    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(studio.studio, performer.performer, agreement, now=T0 + DAY, amends=grant, **changes)

    # then
    assert problems(excinfo) == [("amends", "amendment_changes_use_or_project")]
    assert row_counts() == before


def test_amendment_through_the_factory_override(studio, performer, agreement):
    # given
    v1 = accept(create_request(studio.studio, performer.performer, agreement))

    # when
    v2 = accept(create_request(studio.studio, performer.performer, agreement, amends_grant=v1))

    # then
    assert (reload(v1).status, v2.version, v2.lineage_id) == ("superseded", 2, v1.lineage_id)


def test_a_second_amendment_of_the_same_version_cannot_be_accepted(studio, performer, agreement):
    # given two amendments of v1, the first accepted
    v1 = granted(studio.studio, performer.performer, agreement)
    first = place(studio.studio, performer.performer, agreement, now=T0 + DAY, amends=v1)
    second = place(studio.studio, performer.performer, agreement, now=T0 + DAY, amends=v1)
    sign(first, now=T0 + 2 * DAY)
    before = row_counts()

    # when / then
    with pytest.raises(StateConflictError, match="can no longer be amended"):
        sign(second, now=T0 + 3 * DAY)
    assert row_counts() == before
    assert reload(second).status == "pending"


# --- Revocation, suspension, resumption -------------------------------------------------------------------------
def test_revoke_ends_the_grant(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)

    # when
    services.grant_revoke(grant=grant, reason="I withdraw", acting_user=login_of(grant.performer), now=T0 + DAY)

    # then
    grant = reload(grant)
    assert (grant.status, grant.ended_at) == ("revoked", T0 + DAY)
    assert history(grant)[-1] == ("active", "revoked", T0 + DAY)
    assert actions("grant", grant.public_id) == ["grant.activated", "grant.revoked"]


def test_revoke_refused_when_the_agreement_forbids_it(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    agreement.performer_may_revoke = False
    agreement.save()
    before = row_counts()

    # when / then
    with pytest.raises(NotPermittedError, match="does not let performers revoke"):
        services.grant_revoke(grant=grant, reason="I withdraw", acting_user=login_of(grant.performer), now=T0 + DAY)
    assert (reload(grant).status, reload(grant).ended_at) == ("active", None)
    assert row_counts() == before


def test_revoking_a_revoked_grant_is_a_conflict(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    services.grant_revoke(grant=grant, reason="I withdraw", acting_user=login_of(grant.performer), now=T0 + DAY)
    before = row_counts()

    # when / then
    with pytest.raises(StateConflictError, match="is revoked; it cannot be revoked"):
        services.grant_revoke(grant=grant, reason="Again", acting_user=login_of(grant.performer), now=T0 + 2 * DAY)
    with pytest.raises(StateConflictError, match="is revoked; it cannot be suspended"):
        services.grant_suspend(grant=grant, reason="Pause", acting_user=login_of(grant.performer), now=T0 + 2 * DAY)
    assert (reload(grant).ended_at, row_counts()) == (T0 + DAY, before)


def test_suspend_then_resume(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)

    # when
    services.grant_suspend(grant=grant, reason="Taking a break", acting_user=login_of(grant.performer), now=T0 + DAY)
    suspended = reload(grant).status
    services.grant_resume(grant=grant, acting_user=login_of(grant.performer), now=T0 + 2 * DAY)

    # then
    grant = reload(grant)
    assert (suspended, grant.status, grant.ended_at) == ("suspended", "active", None)
    assert history(grant) == [
        ("", "active", T0 + HOUR),
        ("active", "suspended", T0 + DAY),
        ("suspended", "active", T0 + 2 * DAY),
    ]
    suspension = Suspension.objects.get(grant=grant)
    assert (suspension.cause, suspension.strike, suspension.started_at, suspension.ended_at) == (
        "performer",
        None,
        T0 + DAY,
        T0 + 2 * DAY,
    )
    assert actions("grant", grant.public_id) == ["grant.activated", "grant.suspended", "grant.resumed"]


def test_suspend_refused_when_the_agreement_forbids_it(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    agreement.performer_may_suspend = False
    agreement.save()
    before = row_counts()

    # when / then
    with pytest.raises(NotPermittedError, match="does not let performers suspend"):
        services.grant_suspend(grant=grant, reason="Pause", acting_user=login_of(grant.performer), now=T0 + DAY)
    assert reload(grant).status == "active"
    assert row_counts() == before


def test_suspending_twice_or_resuming_an_active_grant_is_a_conflict(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)

    # when / then
    with pytest.raises(StateConflictError, match="is not suspended by the performer"):
        services.grant_resume(grant=grant, acting_user=login_of(grant.performer), now=T0 + DAY)
    services.grant_suspend(grant=grant, reason="Pause", acting_user=login_of(grant.performer), now=T0 + DAY)
    with pytest.raises(StateConflictError, match="already suspended by the performer"):
        services.grant_suspend(
            grant=grant, reason="Pause again", acting_user=login_of(grant.performer), now=T0 + 2 * DAY
        )
    assert Suspension.objects.filter(grant=grant).count() == 1


def test_revoking_a_suspended_grant_closes_its_suspension(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    services.grant_suspend(grant=grant, reason="Pause", acting_user=login_of(grant.performer), now=T0 + DAY)

    # when
    services.grant_revoke(grant=grant, reason="Withdraw", acting_user=login_of(grant.performer), now=T0 + 2 * DAY)

    # then
    assert reload(grant).status == "revoked"
    assert list(Suspension.objects.filter(grant=grant).values_list("ended_at", flat=True)) == [T0 + 2 * DAY]


# --- Strikes ---------------------------------------------------------------------------------------------------
@pytest.fixture
def strike_world(studio, other_studio, performer, other_performer, agreement, second_agreement):
    """Live and dead grants of two studios under two agreements."""
    return {
        "ours_maya": granted(studio.studio, performer.performer, agreement),
        "ours_leo": granted(studio.studio, other_performer.performer, agreement),
        "theirs": granted(other_studio.studio, performer.performer, agreement),
        "other_agreement": granted(studio.studio, performer.performer, second_agreement, project=SEQUEL),
        "ours_revoked": services.grant_revoke(
            grant=granted(
                studio.studio,
                other_performer.performer,
                agreement,
                project=rules.Project(kind="picture", title="Third", production_number="NLP-3"),
            ),
            reason="Withdrawn",
            acting_user=other_performer.user,
            now=T0 + 2 * HOUR,
        ),
    }


def test_strike_preview_counts_live_grants_of_the_listed_studios_under_the_agreement(
    strike_world, studio, other_studio, agreement
):
    # when
    ours = services.strike_preview(agreement=agreement, studios=[studio.studio])
    both = services.strike_preview(agreement=agreement, studios=[studio.studio, other_studio.studio])

    # then
    assert (ours.grants, ours.studios, ours.performers) == (2, 1, 2)
    assert (both.grants, both.studios, both.performers) == (3, 2, 2)
    assert Strike.objects.count() == 0


def test_strike_declare_suspends_exactly_the_live_grants_of_the_listed_studios(strike_world, studio, agreement, staff):
    # given
    declared_at = T0 + DAY

    # when
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Contract talks failed", actor=SYSTEM, now=declared_at
    )
    run_strike_jobs(strike, now=declared_at)

    # then
    statuses = {name: reload(grant).status for name, grant in strike_world.items()}
    assert statuses == {
        "ours_maya": "suspended",
        "ours_leo": "suspended",
        "theirs": "active",
        "other_agreement": "active",
        "ours_revoked": "revoked",
    }
    assert set(Suspension.objects.filter(strike=strike).values_list("grant__public_id", flat=True)) == {
        strike_world["ours_maya"].public_id,
        strike_world["ours_leo"].public_id,
    }
    assert set(Suspension.objects.values_list("cause", flat=True)) == {"strike"}
    assert history(strike_world["ours_maya"])[-1] == ("active", "suspended", declared_at)
    assert GrantStatusChange.objects.get(grant=strike_world["ours_maya"], to_status="suspended").strike == strike
    strike = reload(strike)
    assert (strike.starts_at, strike.applied_at, strike.lifted_at) == (declared_at, declared_at, None)
    assert actions("strike", strike.public_id) == ["strike.declared", "strike.grants_suspended", "strike.applied"]
    batch = AuditEvent.objects.get(action="strike.grants_suspended").data
    assert (batch["batch"], sorted(batch["suspended"]), batch["already_suspended"]) == (
        1,
        sorted([strike_world["ours_maya"].public_id, strike_world["ours_leo"].public_id]),
        [],
    )
    assert AuditEvent.objects.get(action="strike.applied").data == {
        "grants_suspended": 2,
        "grants_processed": 2,
        "batches": 1,
        "status_lists_signed": 1,
    }
    assert strike.jobs.get().status == "done"


def test_strike_needs_a_studio_and_a_reason(agreement, studio):
    with pytest.raises(RuleViolationError) as no_studio:
        services.strike_declare(agreement=agreement, studios=[], reason="Talks failed", actor=SYSTEM, now=T0)
    with pytest.raises(RuleViolationError) as no_reason:
        services.strike_declare(agreement=agreement, studios=[studio.studio], reason=" ", actor=SYSTEM, now=T0)
    assert (problems(no_studio), problems(no_reason)) == ([("studios", "required")], [("reason", "required")])
    assert Strike.objects.count() == 0


def test_a_grant_accepted_during_a_strike_starts_suspended(studio, performer, agreement):
    # (rule 2.10: this agreement takes requests made during a strike, held suspended)
    agreement.strike_requests_held = True
    agreement.save(update_fields=["strike_requests_held"])
    # given a strike in force and a pending request
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0
    )
    run_strike_jobs(strike, now=T0)
    request = place(studio.studio, performer.performer, agreement, now=T0 + HOUR)
    signed_at = T0 + 2 * HOUR

    # when
    grant = sign(request, now=signed_at)

    # then
    grant = reload(grant)
    assert grant.status == "suspended"
    assert history(grant) == [("", "active", signed_at), ("active", "suspended", signed_at)]
    assert Suspension.objects.get(grant=grant).strike == strike
    outcome = check(studio.studio, performer.performer, D0, now=signed_at + HOUR)
    assert (outcome.allowed, reasons(outcome)) == (False, [("suspended_by_strike", None, grant.public_id)])
    # and lifting the strike restores it
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + DAY)
    run_strike_jobs(strike, now=T0 + DAY)
    assert reload(grant).status == "active"
    assert check(studio.studio, performer.performer, D0 + DAY, now=T0 + DAY + HOUR).allowed is True


def test_lifting_a_strike_restores_only_what_the_strike_suspended(studio, performer, agreement):
    # given three grants suspended by a strike
    untouched = granted(studio.studio, performer.performer, agreement)
    revoked = granted(studio.studio, performer.performer, agreement, project=SEQUEL)
    paused = granted(
        studio.studio,
        performer.performer,
        agreement,
        project=rules.Project(kind="picture", title="Third", production_number="NLP-3"),
    )
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0 + DAY
    )
    run_strike_jobs(strike, now=T0 + DAY)
    # and during the strike the performer revokes one and suspends another
    services.grant_revoke(grant=revoked, reason="Withdraw", acting_user=login_of(revoked.performer), now=T0 + 2 * DAY)
    services.grant_suspend(
        grant=paused, reason="My own pause", acting_user=login_of(paused.performer), now=T0 + 3 * DAY
    )

    # when
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 4 * DAY)
    run_strike_jobs(strike, now=T0 + 4 * DAY)

    # then
    assert [reload(g).status for g in (untouched, revoked, paused)] == ["active", "revoked", "suspended"]
    assert reload(strike).lifted_at == T0 + 4 * DAY
    assert AuditEvent.objects.get(action="strike.lifted").data == {"suspensions_to_end": 2}
    assert AuditEvent.objects.get(action="strike.restored").data["grants_restored"] == 1
    batch = AuditEvent.objects.get(action="strike.grants_restored").data
    assert (batch["restored"], batch["still_suspended"]) == ([untouched.public_id], [paused.public_id])
    assert history(untouched)[-1] == ("suspended", "active", T0 + 4 * DAY)
    assert actions("grant", paused.public_id)[-1] == "grant.suspension_added"
    assert Suspension.objects.filter(grant=paused, ended_at__isnull=True).get().cause == "performer"
    # the check names the performer's suspension only
    outcome = check(
        studio.studio, performer.performer, D0 + 4 * DAY, now=T0 + 4 * DAY + HOUR, project=paused.project()
    )
    assert outcome.allowed is False
    assert [r for r in reasons(outcome) if r[2] == paused.public_id] == [
        ("suspended_by_performer", None, paused.public_id)
    ]
    # and the performer's own suspension holds until they resume
    services.grant_resume(grant=paused, acting_user=login_of(paused.performer), now=T0 + 5 * DAY)
    assert reload(paused).status == "active"
    assert history(paused)[-1] == ("suspended", "active", T0 + 5 * DAY)


def test_lifting_a_strike_twice_is_a_conflict(studio, performer, agreement):
    # given
    granted(studio.studio, performer.performer, agreement)
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0 + DAY
    )
    run_strike_jobs(strike, now=T0 + DAY)
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 2 * DAY)
    run_strike_jobs(strike, now=T0 + 2 * DAY)
    before = row_counts()

    # when / then
    with pytest.raises(StateConflictError, match="already lifted"):
        services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 3 * DAY)
    assert reload(strike).lifted_at == T0 + 2 * DAY
    assert row_counts() == before


def test_a_future_strike_applies_only_from_its_start(studio, performer, agreement):
    # given a grant and a strike declared now to start in five days
    grant = granted(studio.studio, performer.performer, agreement)
    starts_at = T0 + 5 * DAY
    strike = services.strike_declare(
        agreement=agreement,
        studios=[studio.studio],
        reason="Talks failed",
        actor=SYSTEM,
        starts_at=starts_at,
        now=T0 + DAY,
    )
    assert (reload(strike).applied_at, reload(grant).status) == (None, "active")
    assert strike.jobs.get().enqueued_at is None

    # when
    early = services.strike_jobs_start_due(now=starts_at - dt.timedelta(seconds=1))
    run_strike_jobs(strike, now=starts_at - dt.timedelta(seconds=1))  # a job sent early waits for the start
    status_before_start = reload(grant).status
    on_time = services.strike_jobs_start_due(now=starts_at)
    run_strike_jobs(strike, now=starts_at)
    again = services.strike_jobs_start_due(now=starts_at + DAY)

    # then
    assert (early, on_time, again) == (0, 1, 0)
    assert (status_before_start, reload(grant).status) == ("active", "suspended")
    assert reload(strike).applied_at == starts_at
    assert Suspension.objects.get(grant=grant).started_at == starts_at
    assert AuditEvent.objects.get(action="strike.applied").actor_name == "strike job"


def test_a_future_strike_lifted_before_its_start_never_applies(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    strike = services.strike_declare(
        agreement=agreement,
        studios=[studio.studio],
        reason="Talks failed",
        actor=SYSTEM,
        starts_at=T0 + 5 * DAY,
        now=T0 + DAY,
    )
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 2 * DAY)
    run_strike_jobs(strike, now=T0 + 2 * DAY)

    # when
    started = services.strike_jobs_start_due(now=T0 + 6 * DAY)
    run_strike_jobs(strike, now=T0 + 6 * DAY)

    # then
    assert (started, reload(grant).status, reload(strike).applied_at) == (0, "active", None)
    assert dict(strike.jobs.values_list("kind", "status")) == {"apply": "stopped", "lift": "done"}
    assert not Suspension.objects.filter(grant=grant).exists()


def test_an_amendment_accepted_during_a_strike_starts_suspended_and_is_restored_on_lift(studio, performer, agreement):
    # (rule 2.10: this agreement takes requests made during a strike, held suspended)
    agreement.strike_requests_held = True
    agreement.save(update_fields=["strike_requests_held"])
    # given v1 suspended by a strike, and an amendment signed during it
    v1 = granted(studio.studio, performer.performer, agreement)
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0 + DAY
    )
    run_strike_jobs(strike, now=T0 + DAY)
    request = place(
        studio.studio,
        performer.performer,
        agreement,
        now=T0 + 2 * DAY,
        amends=v1,
        description=description(start=D0 + 2 * DAY),
    )
    v2 = sign(request, now=T0 + 3 * DAY)
    assert (reload(v1).status, reload(v2).status) == ("superseded", "suspended")

    # when
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 4 * DAY)
    run_strike_jobs(strike, now=T0 + 4 * DAY)

    # then
    assert (reload(v1).status, reload(v2).status) == ("superseded", "active")
    assert AuditEvent.objects.get(action="strike.restored").data["grants_restored"] == 1


# --- Expiry of grants -----------------------------------------------------------------------------------------
def test_grants_expire_due_expires_live_grants_whose_term_has_ended(studio, performer, agreement):
    # given two grants ending on day `end` (one suspended) and one ending later, placed in real time
    now = timezone.now()
    today = timezone.localdate(now)
    end = today + dt.timedelta(days=2)
    short = sign(
        place(studio.studio, performer.performer, agreement, now=now, description=description(start=today, days=2)),
        now=now,
    )
    paused = sign(
        place(
            studio.studio,
            performer.performer,
            agreement,
            now=now,
            project=SEQUEL,
            description=description(start=today, days=2),
        ),
        now=now,
    )
    services.grant_suspend(grant=paused, reason="Pause", acting_user=login_of(paused.performer), now=now)
    longer = sign(
        place(
            studio.studio,
            performer.performer,
            agreement,
            now=now,
            project=rules.Project(kind="picture", title="Third", production_number="NLP-3"),
            description=description(start=today, days=30),
        ),
        now=now,
    )

    # when
    def noon(day):
        return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)

    on_last_day = services.grants_expire_due(now=noon(end))
    day_after = services.grants_expire_due(now=noon(end + DAY))
    again = services.grants_expire_due(now=noon(end + DAY))

    # then
    assert (on_last_day, day_after, again) == (0, 2, 0)
    assert [reload(g).status for g in (short, paused, longer)] == ["expired", "expired", "active"]
    assert reload(short).ended_at is not None
    assert [c[:2] for c in history(paused)] == [("", "active"), ("active", "suspended"), ("suspended", "expired")]
    assert Suspension.objects.get(grant=paused).ended_at is not None
    assert actions("grant", short.public_id) == ["grant.activated", "grant.expired"]
    assert AuditEvent.objects.filter(action="grant.expired").first().actor_name == "expiry"


# --- Checks as of a date ---------------------------------------------------------------------------------------
def test_check_answers_as_things_stood_on_the_day_of_use(studio, performer, agreement):
    # given a grant signed on D0 at 10:00 and revoked on D0+10 at 09:00
    grant = granted(studio.studio, performer.performer, agreement, at=T0)
    services.grant_revoke(grant=grant, reason="Withdraw", acting_user=login_of(grant.performer), now=T0 + 10 * DAY)
    now = T0 + 20 * DAY

    # when
    on_day = check(studio.studio, performer.performer, D0, now=now)
    day_before_revocation = check(studio.studio, performer.performer, D0 + 9 * DAY, now=now)
    revocation_day = check(studio.studio, performer.performer, D0 + 10 * DAY, now=now)
    after = check(studio.studio, performer.performer, D0 + 11 * DAY, now=now)
    before_signing = check(studio.studio, performer.performer, D0 - DAY, now=now)

    # then
    assert (on_day.allowed, on_day.grant_id) == (True, grant.public_id)
    assert (day_before_revocation.allowed, day_before_revocation.grant_id) == (True, grant.public_id)
    assert (revocation_day.allowed, reasons(revocation_day)) == (False, [("revoked", None, grant.public_id)])
    assert (after.allowed, reasons(after)) == (False, [("revoked", None, grant.public_id)])
    assert (before_signing.allowed, reasons(before_signing)) == (False, [("no_grant", None, None)])


def test_check_during_a_past_strike_says_suspended_by_strike(studio, performer, agreement):
    # given a strike from D0+5 to D0+8
    grant = granted(studio.studio, performer.performer, agreement)
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0 + 5 * DAY
    )
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 8 * DAY)
    now = T0 + 30 * DAY

    # when
    during = check(studio.studio, performer.performer, D0 + 6 * DAY, now=now)
    after = check(studio.studio, performer.performer, D0 + 9 * DAY, now=now)

    # then
    assert (during.allowed, reasons(during)) == (False, [("suspended_by_strike", None, grant.public_id)])
    assert (after.allowed, after.grant_id) == (True, grant.public_id)


def test_check_outside_the_description_names_the_field(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    now = T0 + DAY

    # when
    radio = check(studio.studio, performer.performer, D0 + DAY, now=now, media=("radio",))
    france = check(studio.studio, performer.performer, D0 + DAY, now=now, territory=("FR",))
    training = check(studio.studio, performer.performer, D0 + DAY, now=now, use=UseType.TRAINING)
    other_studio_check = selectors.consent_check(
        studio_id=0,
        performer=performer.performer,
        query=rules.UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=D0 + DAY),
        now=now,
    )

    # then
    assert reasons(radio) == [("outside_scope", "media", grant.public_id)]
    assert reasons(france) == [("outside_scope", "territory", grant.public_id)]
    assert reasons(training) == [("outside_scope", "use", grant.public_id)]
    assert reasons(other_studio_check) == [("no_grant", None, None)]


def test_exempt_digital_alteration_through_the_selector(studio, performer, agreement):
    # when
    outcome = selectors.consent_check(
        studio_id=studio.studio.pk,
        performer=performer.performer,
        query=rules.UseQuery(use=UseType.DIGITAL_ALTERATION, project=PICTURE, on=D0),
        claim=rules.ExemptionClaim("dubbing"),
        now=T0,
    )

    # then
    assert (outcome.allowed, outcome.exemption, outcome.grant_id) == (True, "dubbing", None)


def test_consent_check_record_writes_a_receipt(studio, performer, agreement):
    # given
    grant = granted(studio.studio, performer.performer, agreement)
    query = rules.UseQuery(
        use=UseType.REPLICA_USE, project=PICTURE, on=D0 + DAY, media=("streaming",), territory=("US",)
    )
    outcome = selectors.consent_check(
        studio_id=studio.studio.pk, performer=performer.performer, query=query, now=T0 + DAY
    )

    # when
    receipt = services.consent_check_record(
        studio=studio.studio,
        performer_public_id=performer.performer.public_id,
        query=query,
        outcome=outcome,
        actor=SYSTEM,
    )

    # then
    event = AuditEvent.objects.get(pk=receipt)
    assert (event.action, event.subject_id, event.studio_id) == (
        "consent_check.recorded",
        performer.performer.public_id,
        studio.studio.public_id,
    )
    assert event.data == {
        "use": "replica_use",
        "on": (D0 + DAY).isoformat(),
        "project": {"kind": "picture", "production_number": "NLP-2027-004"},
        "media": ["streaming"],
        "territory": ["US"],
        "role": "",
        "intended_use": "",
        "sensitive_content": [],
        "realtime_generation": False,
        "allowed": True,
        "grant": grant.public_id,
        "exemption": None,
        "reasons": [],
    }


# --- Preferences ----------------------------------------------------------------------------------------------
def test_preferences_update_stores_sorted_unique_values_and_audits(performer):
    # when
    prefs = services.preferences_update(
        performer=performer.performer,
        acting_user=login_of(performer.performer),
        do_not_train=True,
        opt_out_categories=["tobacco", "alcohol", "tobacco"],
        declined_uses=["voice_replica"],
        rate_floor_amount=None,
        rate_floor_currency="USD",
        rate_floor_unit="day",
    )

    # then
    prefs = PerformerPreferences.objects.get(pk=prefs.pk)
    assert (prefs.do_not_train, prefs.opt_out_categories, prefs.declined_uses) == (
        True,
        ["alcohol", "tobacco"],
        ["voice_replica"],
    )
    assert (prefs.rate_floor_amount, prefs.rate_floor_currency, prefs.rate_floor_unit) == (None, "", "")
    assert actions("performer", performer.performer.public_id) == ["preferences.updated"]


def test_preferences_update_refuses_an_incomplete_rate_floor(performer):
    # when
    with pytest.raises(RuleViolationError) as excinfo:
        services.preferences_update(
            performer=performer.performer,
            acting_user=login_of(performer.performer),
            do_not_train=False,
            opt_out_categories=[],
            declined_uses=[],
            rate_floor_amount=Decimal("1500.00"),
            rate_floor_currency="",
            rate_floor_unit="day",
        )

    # then
    assert problems(excinfo) == [("rate_floor", "incomplete")]
    assert PerformerPreferences.objects.count() == 0


# --- Reads scoped to the caller ------------------------------------------------------------------------------
def test_requests_and_grants_are_visible_only_to_their_parties(
    studio, other_studio, performer, other_performer, agent, agreement
):
    # given one grant of ours with Maya and one of theirs with Leo
    ours = granted(studio.studio, performer.performer, agreement)
    theirs = granted(other_studio.studio, other_performer.performer, agreement)
    callers = {
        "studio": Caller(kind=CallerKind.STUDIO, studio=studio.studio),
        "other_studio": Caller(kind=CallerKind.STUDIO, studio=other_studio.studio),
        "performer": Caller(kind=CallerKind.PERFORMER_SIDE, user=performer.user, performer=performer.performer),
        "agent": Caller(
            kind=CallerKind.PERFORMER_SIDE, user=agent.user, represented_ids=frozenset({performer.performer.pk})
        ),
        "staff": Caller(kind=CallerKind.STAFF, staff_role="union_admin"),
        "anonymous": Caller(kind=CallerKind.ANONYMOUS),
    }

    # when
    grants = {
        name: set(selectors.grants_visible_to(c).values_list("public_id", flat=True)) for name, c in callers.items()
    }
    requests = {name: selectors.consent_requests_visible_to(c).count() for name, c in callers.items()}

    # then
    assert grants == {
        "studio": {ours.public_id},
        "other_studio": {theirs.public_id},
        "performer": {ours.public_id},
        "agent": {ours.public_id},
        "staff": {ours.public_id, theirs.public_id},
        "anonymous": set(),
    }
    assert requests == {"studio": 1, "other_studio": 1, "performer": 1, "agent": 1, "staff": 2, "anonymous": 0}


def test_strikes_are_visible_to_the_struck_studios_and_staff(studio, other_studio, performer, agreement):
    # given
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0
    )

    # then
    assert list(selectors.strikes_visible_to(Caller(kind=CallerKind.STUDIO, studio=studio.studio))) == [strike]
    assert list(selectors.strikes_visible_to(Caller(kind=CallerKind.STUDIO, studio=other_studio.studio))) == []
    assert list(selectors.strikes_visible_to(Caller(kind=CallerKind.STAFF, staff_role="union_admin"))) == [strike]
    assert (
        list(selectors.strikes_visible_to(Caller(kind=CallerKind.PERFORMER_SIDE, performer=performer.performer))) == []
    )


# --- The audit trail over a long life -----------------------------------------------------------------------------


def test_every_status_change_of_a_long_scenario_is_audited_and_the_chain_verifies(studio, performer, agreement, staff):
    # given a grant that is suspended, resumed, struck, paused, restored, amended and revoked
    v1 = granted(studio.studio, performer.performer, agreement, at=T0)
    services.grant_suspend(grant=v1, reason="Pause", acting_user=login_of(v1.performer), now=T0 + 1 * DAY)
    services.grant_resume(grant=v1, acting_user=login_of(v1.performer), now=T0 + 2 * DAY)
    strike = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Talks failed", actor=SYSTEM, now=T0 + 3 * DAY
    )
    run_strike_jobs(strike, now=T0 + 3 * DAY)
    services.grant_suspend(grant=v1, reason="My own pause", acting_user=login_of(v1.performer), now=T0 + 4 * DAY)
    services.strike_lift(strike=strike, actor=SYSTEM, now=T0 + 5 * DAY)
    run_strike_jobs(strike, now=T0 + 5 * DAY)
    services.grant_resume(grant=v1, acting_user=login_of(v1.performer), now=T0 + 6 * DAY)
    amendment = place(
        studio.studio,
        performer.performer,
        agreement,
        now=T0 + 7 * DAY,
        amends=v1,
        description=description(start=D0 + 7 * DAY),
    )
    v2 = sign(amendment, now=T0 + 8 * DAY)
    services.grant_revoke(grant=v2, reason="Withdraw", acting_user=login_of(v2.performer), now=T0 + 9 * DAY)

    # when
    changes = sorted(
        (c.grant.public_id, c.from_status, c.to_status) for c in GrantStatusChange.objects.select_related("grant")
    )
    audited = [(grant_id, before, after) for grant_id, before, after in audited_status_changes()]
    report = verify_audit_chain()

    # then each status change is audited exactly once (a strike's, in its job's batch event)
    assert sorted(audited) == changes
    assert [c[:2] for c in history(v1)] == [
        ("", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "superseded"),
    ]
    assert [c[:2] for c in history(v2)] == [("", "active"), ("active", "revoked")]
    assert actions("grant", v1.public_id) == [
        "grant.activated",
        "grant.suspended",
        "grant.resumed",
        "grant.suspension_added",
        "grant.resumed",
        "grant.superseded",
    ]
    # and the chain is whole
    assert report.ok is True
    assert report.entries_checked == AuditEvent.objects.count()
    assert report.broken_seq is None


SPOT = rules.Project(
    kind="commercial",
    title="Spring spot",
    production_number="FIZZ-2027-01",
    advertiser="Fizz Drinks Inc",
    product_line="Fizz Zero",
)


def test_pre_consent_to_future_spots_is_refused_unless_the_agreement_allows_it(studio, performer, agreement):
    # when
    with pytest.raises(RuleViolationError) as excinfo:
        place(studio.studio, performer.performer, agreement, project=SPOT, description=description(future_spots=True))

    # then
    assert problems(excinfo) == [("description.future_spots", "not_allowed_by_agreement")]
    assert ConsentRequest.objects.count() == 0


def test_pre_consent_to_future_spots_covers_later_spots_of_the_same_advertiser_and_line(studio, performer, agreement):
    # given an agreement allowing pre-consent, and a grant for the spring spot and later spots
    agreement.commercial_preconsent_same_advertiser = True
    agreement.save()
    grant = granted(
        studio.studio,
        performer.performer,
        agreement,
        project=SPOT,
        description=description(future_spots=True, media=("broadcast_tv",)),
    )
    summer = rules.Project(
        kind="commercial",
        title="Summer spot",
        production_number="FIZZ-2027-07",
        advertiser="Fizz Drinks Inc",
        product_line="Fizz Zero",
    )
    rival = rules.Project(
        kind="commercial",
        title="Cola spot",
        production_number="POP-2027-01",
        advertiser="Pop Cola Co",
        product_line="Pop Zero",
    )
    now = T0 + 30 * DAY

    # when
    later_spot = check(studio.studio, performer.performer, D0 + 30 * DAY, now=now, project=summer, media=())
    other_advertiser = check(studio.studio, performer.performer, D0 + 30 * DAY, now=now, project=rival, media=())

    # then
    assert reload(grant).future_spots is True
    assert (later_spot.allowed, later_spot.grant_id) == (True, grant.public_id)
    assert (other_advertiser.allowed, reasons(other_advertiser)) == (
        False,
        [("outside_scope", "project", grant.public_id)],
    )


def test_preferences_of_a_performer_who_set_none_are_the_defaults_unsaved(performer):
    prefs = selectors.preferences_of(performer.performer)

    assert prefs.pk is None
    assert prefs.as_rules() == rules.Preferences()
    assert not PerformerPreferences.objects.filter(performer=performer.performer).exists()
