"""Who may call each consent endpoint, what they get back, and that a refusal changes nothing.

Callers: the performer concerned (owner), another performer, the studio concerned, another
studio, staff (admin and analyst), anonymous, and a guardian acting for their own minor
(guardian_own) or for someone else's performer (guardian_other).
"""

from __future__ import annotations

import pytest

from registry.audit.models import AuditEvent
from registry.consent import services
from registry.consent.models import ConsentGrant, ConsentRequest, PerformerPreferences
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import all_scopes
from tests.api.conftest import CALLERS, LAPSED, assert_problem, db_snapshot, result_ids
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import request_body
from tests.permissions import (
    ACTS_FOR_NO_ONE,
    ANONYMOUS,
    CREATED,
    MINOR_ACTS_THROUGH_GUARDIAN,
    NOT_FOR_PERFORMERS,
    NOT_FOR_STAFF,
    NOT_FOR_STUDIOS,
    NOT_FOUND,
    OK,
    matrix,
    refused,
)

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/consent-requests/"
GRANTS = "/api/v1/grants/"
CHECKS = "/api/v1/consent-checks/"
STRIKES = "/api/v1/strikes/"

UNION_MAY_NOT_SIGN = (
    403,
    "permission-denied",
    "The union consents only for a deceased performer with no estate on record, once staff have recorded a "
    "diligent search for one.",
)
ANALYST_MAY_NOT_SIGN = (403, "permission-denied", "Union analysts cannot sign.")


def _request_for(consent_world, caller: str) -> ConsentRequest:
    """The pending request the caller aims at: the minor's (for their guardian or themself), the
    one of the performer a lapsed mandate was for, or else Maya's."""
    if caller in ("guardian_own", "minor_self"):
        return consent_world.sam_pending
    if caller in consent_world.lapsed:
        return consent_world.lapsed[caller][1]
    return consent_world.maya_pending


def _grant_for(consent_world, caller: str) -> ConsentGrant:
    if caller in ("guardian_own", "minor_self"):
        return consent_world.sam_grant
    if caller in consent_world.lapsed:
        return consent_world.lapsed[caller][0]
    return consent_world.maya_grant


# Every table ends with the same four rows, except where a minor may read.
NO_ONE = dict.fromkeys(LAPSED, ACTS_FOR_NO_ONE)


def _ids_newest_first(objects) -> list[str]:
    return [o.public_id for o in sorted(objects, key=lambda o: o.pk, reverse=True)]


# --- Object reads: requests, grants --------------------------------------------------------
OBJECT_READ = {
    "owner": OK,
    "other_performer": NOT_FOUND,
    "studio": OK,
    "other_studio": NOT_FOUND,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
    "guardian_own": OK,
    "guardian_other": NOT_FOUND,
    "minor_self": OK,
    **NO_ONE,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, OBJECT_READ))
def test_consent_request_detail(consent_world, consent_clients, caller, expected):
    target = _request_for(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].get(f"{REQUESTS}{target.public_id}")

    if expected is OK:
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == target.public_id
        assert body["performer"]["id"] == target.performer.public_id
        assert body["status"] == "pending"
        assert db_snapshot() == before
    else:
        refused(response, expected, before, db_snapshot)


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, OBJECT_READ))
def test_grant_detail(consent_world, consent_clients, caller, expected):
    target = _grant_for(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].get(f"{GRANTS}{target.public_id}")

    if expected is OK:
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == target.public_id
        assert body["token_id"] == target.public_id
        assert body["performer"]["id"] == target.performer.public_id
        assert body["status"] == "active"
    else:
        refused(response, expected, before, db_snapshot)


def test_another_studios_request_and_grant_are_404_for_the_studio(consent_world, consent_clients):
    assert_problem(
        consent_clients["studio"].get(f"{REQUESTS}{consent_world.leo_grant.request.public_id}"), 404, "not-found"
    )
    assert_problem(consent_clients["studio"].get(f"{GRANTS}{consent_world.leo_grant.public_id}"), 404, "not-found")


def test_an_unknown_id_is_the_same_404_as_someone_elses(consent_world, consent_clients):
    unknown = consent_clients["other_performer"].get(f"{GRANTS}cgr_doesnotexist")
    someone_elses = consent_clients["other_performer"].get(f"{GRANTS}{consent_world.maya_grant.public_id}")

    assert assert_problem(unknown, 404, "not-found") == assert_problem(someone_elses, 404, "not-found")


# --- Lists: each caller sees only their own -------------------------------------------------
def _visible_requests(consent_world, caller: str) -> list[str] | tuple:
    maya = [consent_world.maya_grant.request, consent_world.maya_pending]
    sam = [consent_world.sam_grant.request, consent_world.sam_pending]
    leo = [consent_world.leo_grant.request]
    lapsed = [r for grant, pending in consent_world.lapsed.values() for r in (grant.request, pending)]
    visible = {
        "owner": maya,
        "other_performer": leo,
        "studio": maya + sam + lapsed,
        "other_studio": leo,
        "staff": maya + sam + leo + lapsed,
        "analyst": maya + sam + leo + lapsed,
        "anonymous": ANONYMOUS,
        "guardian_own": sam,
        "guardian_other": sam,
        "minor_self": sam,
        **NO_ONE,
    }[caller]
    return visible if isinstance(visible, tuple) else _ids_newest_first(visible)


def _visible_grants(consent_world, caller: str) -> list[str] | tuple:
    maya, sam, leo = [consent_world.maya_grant], [consent_world.sam_grant], [consent_world.leo_grant]
    lapsed = [grant for grant, _ in consent_world.lapsed.values()]
    visible = {
        "owner": maya,
        "other_performer": leo,
        "studio": maya + sam + lapsed,
        "other_studio": leo,
        "staff": maya + sam + leo + lapsed,
        "analyst": maya + sam + leo + lapsed,
        "anonymous": ANONYMOUS,
        "guardian_own": sam,
        "guardian_other": sam,
        "minor_self": sam,
        **NO_ONE,
    }[caller]
    return visible if isinstance(visible, tuple) else _ids_newest_first(visible)


@pytest.mark.parametrize("caller", CALLERS)
def test_consent_request_list_shows_only_the_callers_own(consent_world, consent_clients, caller):
    expected = _visible_requests(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].get(REQUESTS)

    if isinstance(expected, tuple):
        refused(response, expected, before, db_snapshot)
    else:
        assert result_ids(response) == expected


@pytest.mark.parametrize("caller", CALLERS)
def test_grant_list_shows_only_the_callers_own(consent_world, consent_clients, caller):
    expected = _visible_grants(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].get(GRANTS)

    if isinstance(expected, tuple):
        refused(response, expected, before, db_snapshot)
    else:
        assert result_ids(response) == expected


def test_a_filter_cannot_widen_a_list(consent_world, consent_clients):
    # Asking for another performer's rows by filter yields nothing, not their rows.
    response = consent_clients["studio"].get(GRANTS, {"performer": consent_world.leo_grant.performer.public_id})
    assert result_ids(response) == []
    response = consent_clients["owner"].get(REQUESTS, {"performer": consent_world.sam.public_id})
    assert result_ids(response) == []


# --- Answering a request ------------------------------------------------------------------
ACCEPT = {
    "owner": OK,
    "other_performer": NOT_FOUND,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": UNION_MAY_NOT_SIGN,
    "analyst": ANALYST_MAY_NOT_SIGN,
    "anonymous": ANONYMOUS,
    "guardian_own": OK,
    "guardian_other": NOT_FOUND,
    "minor_self": MINOR_ACTS_THROUGH_GUARDIAN,
    **NO_ONE,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, ACCEPT))
def test_accept(consent_world, consent_clients, caller, expected):
    target = _request_for(consent_world, caller)
    body = {
        "description_sha256": target.current_description.sha256,
        "signer_name": {"guardian_own": "Elena Rivera", "minor_self": "Sam Rivera"}.get(caller, "Maya Okafor"),
        "attestation_text": "I have read the description and I consent to this use.",
        "confirm": True,
    }
    before = db_snapshot()

    response = consent_clients[caller].post(f"{REQUESTS}{target.public_id}/accept", body, format="json")

    if expected is OK:
        assert response.status_code == 200
        grant = ConsentGrant.objects.get(request=target)
        data = response.json()
        assert (data["id"], data["status"], data["grant"]) == (target.public_id, "accepted", grant.public_id)
        role, actor_kind = ("guardian", "representative") if caller == "guardian_own" else ("performer", "performer")
        assert (grant.signer_role, grant.status) == (role, "active")
        signed = AuditEvent.objects.get(action="consent_request.signed", subject_id=target.public_id)
        assert signed.actor_kind == actor_kind
    else:
        refused(response, expected, before, db_snapshot)


DECLINE = {
    "owner": OK,
    "other_performer": NOT_FOUND,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": NOT_FOR_STAFF,
    "analyst": NOT_FOR_STAFF,
    "anonymous": ANONYMOUS,
    "guardian_own": OK,
    "guardian_other": NOT_FOUND,
    "minor_self": MINOR_ACTS_THROUGH_GUARDIAN,
    **NO_ONE,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, DECLINE))
def test_decline(consent_world, consent_clients, caller, expected):
    target = _request_for(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].post(
        f"{REQUESTS}{target.public_id}/decline", {"reason": "Not this role."}, format="json"
    )

    if expected is OK:
        assert response.status_code == 200
        data = response.json()
        assert (data["id"], data["status"]) == (target.public_id, "declined")
        assert data["decline"] == {"reason": "Not this role.", "codes": [], "automatic": False}
        target.refresh_from_db()
        assert target.status == "declined"
    else:
        refused(response, expected, before, db_snapshot)


# --- Grant actions ------------------------------------------------------------------------
GRANT_ACTION = {
    "owner": OK,
    "other_performer": NOT_FOUND,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": NOT_FOR_STAFF,
    "analyst": NOT_FOR_STAFF,
    "anonymous": ANONYMOUS,
    "guardian_own": OK,
    "guardian_other": NOT_FOUND,
    "minor_self": MINOR_ACTS_THROUGH_GUARDIAN,
    **NO_ONE,
}
ACTIONS = [
    # (action, status before, status after)
    ("revoke", "active", "revoked"),
    ("suspend", "active", "suspended"),
    ("resume", "suspended", "active"),
]


@pytest.mark.parametrize(("action", "status_before", "status_after"), ACTIONS)
@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, GRANT_ACTION))
def test_grant_action(
    consent_world, consent_clients, minor_with_guardian, caller, expected, action, status_before, status_after
):
    target = _grant_for(consent_world, caller)
    if status_before == "suspended":
        services.grant_suspend(
            grant=consent_world.maya_grant, reason="Pause", acting_user=login_of(consent_world.maya)
        )
        services.grant_suspend(grant=consent_world.sam_grant, reason="Pause", acting_user=minor_with_guardian.user)
    target.refresh_from_db()
    status_before = target.status  # the grants of lapsed mandates stay active: no one here may pause them
    before = db_snapshot()

    response = consent_clients[caller].post(
        f"{GRANTS}{target.public_id}/{action}", {"reason": "My reasons."}, format="json"
    )

    target.refresh_from_db()
    if expected is OK:
        assert response.status_code == 200
        data = response.json()
        assert (data["id"], data["status"]) == (target.public_id, status_after)
        assert target.status == status_after
    else:
        refused(response, expected, before, db_snapshot)
        assert target.status == status_before


# --- Creating requests --------------------------------------------------------------------
CREATE = {
    "owner": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": CREATED,
    # Any signatory studio may ask any performer; what it cannot do is reach others' grants.
    "other_studio": CREATED,
    "staff": NOT_FOR_STAFF,
    "analyst": NOT_FOR_STAFF,
    "anonymous": ANONYMOUS,
    "guardian_own": NOT_FOR_PERFORMERS,
    "guardian_other": NOT_FOR_PERFORMERS,
    "minor_self": NOT_FOR_PERFORMERS,
    **NO_ONE,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, CREATE))
def test_create_consent_request(consent_world, consent_clients, agreement, caller, expected):
    before = db_snapshot()

    response = consent_clients[caller].post(REQUESTS, request_body(consent_world.maya, agreement), format="json")

    if expected is CREATED:
        assert response.status_code == 201
        created = ConsentRequest.objects.get(public_id=response.json()["id"])
        assert created.studio.legal_name == {"studio": "Northlight Pictures", "other_studio": "Rival Pictures"}[caller]
        assert ConsentRequest.objects.count() == len(before["requests"]) + 1
    else:
        refused(response, expected, before, db_snapshot)


def test_a_studio_cannot_amend_another_studios_grant(consent_world, consent_clients, agreement):
    body = request_body(consent_world.maya, agreement, amends=consent_world.maya_grant.public_id)
    before = db_snapshot()

    response = consent_clients["other_studio"].post(REQUESTS, body, format="json")

    problem = assert_problem(response, 422, "consent-rule-violation")
    assert problem["errors"] == [
        {"field": "amends", "code": "unknown_grant", "message": "None of your grants has this id."}
    ]
    assert db_snapshot() == before


# --- Consent checks -----------------------------------------------------------------------
CHECK = {
    "owner": NOT_FOR_PERFORMERS,
    "other_performer": NOT_FOR_PERFORMERS,
    "studio": OK,
    "other_studio": OK,
    "staff": NOT_FOR_STAFF,
    "analyst": NOT_FOR_STAFF,
    "anonymous": ANONYMOUS,
    "guardian_own": NOT_FOR_PERFORMERS,
    "guardian_other": NOT_FOR_PERFORMERS,
    "minor_self": NOT_FOR_PERFORMERS,
    **NO_ONE,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, CHECK))
def test_consent_check(consent_world, consent_clients, caller, expected):
    grant = consent_world.maya_grant
    body = {
        "performer": consent_world.maya.public_id,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
        "on": grant.term_start.isoformat(),
        "media": ["streaming"],
        "territory": ["US"],
    }
    before = db_snapshot()

    response = consent_clients[caller].post(CHECKS, body, format="json")

    if expected is OK:
        assert response.status_code == 200
        data = response.json()
        if caller == "studio":
            assert (data["allowed"], data["grant"], data["token_id"]) == (True, grant.public_id, grant.public_id)
            assert data["reasons"] == []
        else:
            assert (data["allowed"], data["grant"], data["token_id"]) == (False, None, None)
            assert [r["code"] for r in data["reasons"]] == ["no_grant"]
        assert db_snapshot() == before
    else:
        refused(response, expected, before, db_snapshot)


# --- Preferences --------------------------------------------------------------------------
PREFERENCES_READ = {
    "owner": OK,
    "other_performer": NOT_FOUND,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": OK,
    "analyst": OK,
    "anonymous": ANONYMOUS,
    "guardian_own": OK,
    "guardian_other": NOT_FOUND,
    "minor_self": OK,
    **NO_ONE,
}
PREFERENCES_WRITE = {
    **PREFERENCES_READ,
    "staff": NOT_FOR_STAFF,
    "analyst": NOT_FOR_STAFF,
    "minor_self": MINOR_ACTS_THROUGH_GUARDIAN,
}


def _performer_for(consent_world, caller: str):
    return _grant_for(consent_world, caller).performer


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, PREFERENCES_READ))
def test_read_preferences(consent_world, consent_clients, caller, expected):
    target = _performer_for(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].get(f"/api/v1/performers/{target.public_id}/preferences")

    if expected is OK:
        assert response.status_code == 200
        data = response.json()
        assert (data["performer"], data["do_not_train"], data["declined_uses"]) == (target.public_id, False, [])
        assert db_snapshot() == before
    else:
        refused(response, expected, before, db_snapshot)


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, PREFERENCES_WRITE))
def test_replace_preferences(consent_world, consent_clients, caller, expected):
    target = _performer_for(consent_world, caller)
    before = db_snapshot()

    response = consent_clients[caller].put(
        f"/api/v1/performers/{target.public_id}/preferences",
        {"do_not_train": True, "declined_uses": ["training"]},
        format="json",
    )

    if expected is OK:
        assert response.status_code == 200
        prefs = PerformerPreferences.objects.get(performer=target)
        assert (prefs.do_not_train, prefs.declined_uses) == (True, ["training"])
        assert response.json()["performer"] == target.public_id
    else:
        refused(response, expected, before, db_snapshot)
        assert PerformerPreferences.objects.filter(performer=target).exists() is False


def test_preferences_of_an_unknown_performer_are_404(consent_clients):
    assert_problem(
        consent_clients["staff"].get("/api/v1/performers/prf_nosuchperformer/preferences"), 404, "not-found"
    )


# --- Strikes ------------------------------------------------------------------------------
@pytest.fixture
def strikes(agreement, studio, other_studio):
    against_studio = services.strike_declare(
        agreement=agreement, studios=[studio.studio], reason="Strike against Northlight", actor=SYSTEM
    )
    against_other = services.strike_declare(
        agreement=agreement, studios=[other_studio.studio], reason="Strike against Rival", actor=SYSTEM
    )
    return {"studio": against_studio, "other_studio": against_other}


def _visible_strikes(strikes: dict, caller: str):
    both = [strikes["other_studio"].public_id, strikes["studio"].public_id]
    return {
        "owner": NOT_FOR_PERFORMERS,
        "other_performer": NOT_FOR_PERFORMERS,
        "studio": [strikes["studio"].public_id],
        "other_studio": [strikes["other_studio"].public_id],
        "staff": both,
        "analyst": both,
        "anonymous": ANONYMOUS,
        "guardian_own": NOT_FOR_PERFORMERS,
        "guardian_other": NOT_FOR_PERFORMERS,
        "minor_self": NOT_FOR_PERFORMERS,
        **NO_ONE,
    }[caller]


@pytest.mark.parametrize("caller", CALLERS)
def test_strike_list(strikes, consent_clients, caller):
    expected = _visible_strikes(strikes, caller)
    before = db_snapshot()

    response = consent_clients[caller].get(STRIKES)

    if isinstance(expected, list):
        assert result_ids(response) == expected
    else:
        refused(response, expected, before, db_snapshot)


# --- Studio keys without the scope --------------------------------------------------------
SCOPED_ENDPOINTS = [
    # (method, path template, scope the key lacks)
    ("get", REQUESTS, ApiScope.CONSENT_READ),
    ("get", REQUESTS + "{request}", ApiScope.CONSENT_READ),
    ("post", REQUESTS, ApiScope.CONSENT_WRITE),
    ("get", GRANTS, ApiScope.CONSENT_READ),
    ("get", GRANTS + "{grant}", ApiScope.CONSENT_READ),
    ("post", CHECKS, ApiScope.CONSENT_READ),
    ("get", STRIKES, ApiScope.CONSENT_READ),
]


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED_ENDPOINTS)
def test_studio_key_missing_the_scope_is_403_missing_scope(
    consent_world, agreement, make_studio_caller, method, path, scope
):
    caller = make_studio_caller("Narrow Key Pictures", [s for s in all_scopes() if s != scope])
    url = path.format(request=consent_world.maya_pending.public_id, grant=consent_world.maya_grant.public_id)
    body = (
        request_body(consent_world.maya, agreement)
        if path == REQUESTS
        else {"performer": consent_world.maya.public_id}
    )
    before = db_snapshot()

    response = caller.client.post(url, body, format="json") if method == "post" else caller.client.get(url)

    problem = assert_problem(response, 403, "missing-scope", f"This API key lacks the '{scope}' scope.")
    assert problem["required_scope"] == scope
    assert db_snapshot() == before


def test_a_read_only_key_reads_but_cannot_request(consent_world, agreement, make_studio_caller):
    reader = make_studio_caller("Reader Pictures", [ApiScope.CONSENT_READ])
    before = db_snapshot()

    assert result_ids(reader.client.get(GRANTS)) == []
    response = reader.client.post(REQUESTS, request_body(consent_world.maya, agreement), format="json")

    assert_problem(response, 403, "missing-scope", "This API key lacks the 'consent:write' scope.")
    assert db_snapshot() == before
