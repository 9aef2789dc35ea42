"""Who may call each selective-disclosure endpoint (holder keys, SD-JWTs, presentation links,
presentation verification), what they get back, and that a refusal changes nothing."""

from __future__ import annotations

import pytest

from registry.audit.models import AuditEvent
from registry.tokens import jose, keys, services
from registry.tokens.models import HolderKey, SharedPresentation
from tests.api.conftest import CALLERS, LAPSED
from tests.conftest import SYSTEM
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

NO_ONE = dict.fromkeys(LAPSED, ACTS_FOR_NO_ONE)
# Holder keys and SD-JWTs are the studios' own: every other caller is refused by kind.
STUDIOS_ONLY = {
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


def snapshot() -> dict:
    return {
        "holder_keys": list(HolderKey.objects.order_by("pk").values_list("public_id", "revoked_at")),
        "presentations": SharedPresentation.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture
def studio_key(consent_world, studio):
    return services.holder_key_register(
        studio=studio.studio, jwk=jose.public_jwk(keys.new_private_key().public_key()), actor=SYSTEM
    )


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, STUDIOS_ONLY))
def test_list_holder_keys(consent_world, consent_clients, studio_key, caller, expected):
    before = snapshot()

    response = consent_clients[caller].get("/api/v1/holder-keys/")

    if expected is OK:
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == ([studio_key.public_id] if caller == "studio" else [])
        assert snapshot() == before
    else:
        refused(response, expected, before, snapshot)


@pytest.mark.parametrize(
    ("caller", "expected"), matrix(CALLERS, {**STUDIOS_ONLY, "studio": CREATED, "other_studio": CREATED})
)
def test_register_holder_key(consent_world, consent_clients, studio, other_studio, caller, expected):
    jwk = jose.public_jwk(keys.new_private_key("ES256").public_key())
    before = snapshot()

    response = consent_clients[caller].post("/api/v1/holder-keys/", {"jwk": jwk}, format="json")

    if expected is CREATED:
        assert response.status_code == 201, response.content
        assert response.json()["kid"] == jose.thumbprint(jwk)
        assert response.json()["alg"] == "ES256"
        owner = studio.studio if caller == "studio" else other_studio.studio
        assert HolderKey.objects.get(kid=jose.thumbprint(jwk)).studio == owner
    else:
        refused(response, expected, before, snapshot)


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, {**STUDIOS_ONLY, "other_studio": NOT_FOUND}))
def test_revoke_holder_key(consent_world, consent_clients, studio_key, caller, expected):
    before = snapshot()

    response = consent_clients[caller].post(f"/api/v1/holder-keys/{studio_key.public_id}/revoke")

    if expected is OK:
        assert response.status_code == 200
        assert response.json()["revoked_at"] is not None
    else:
        refused(response, expected, before, snapshot)


@pytest.mark.parametrize(
    ("caller", "expected"), matrix(CALLERS, {**STUDIOS_ONLY, "studio": CREATED, "other_studio": NOT_FOUND})
)
def test_issue_sd_jwt(consent_world, consent_clients, studio_key, caller, expected):
    before = snapshot()

    response = consent_clients[caller].post(
        f"/api/v1/grants/{consent_world.maya_grant.public_id}/sd-jwt",
        {"holder_key": studio_key.public_id},
        format="json",
    )

    if expected is CREATED:
        assert response.status_code == 201, response.content
        payload = jose.parse_compact(response.json()["sd_jwt"].split("~")[0])[1]
        assert payload["cnf"]["jwk"] == studio_key.public_jwk
    else:
        refused(response, expected, before, snapshot)


PRESENT = {
    "owner": CREATED,
    "other_performer": NOT_FOUND,
    "studio": NOT_FOR_STUDIOS,
    "other_studio": NOT_FOR_STUDIOS,
    "staff": NOT_FOR_STAFF,
    "analyst": NOT_FOR_STAFF,
    "anonymous": ANONYMOUS,
    "guardian_own": CREATED,
    "guardian_other": NOT_FOUND,
    "minor_self": MINOR_ACTS_THROUGH_GUARDIAN,
    **NO_ONE,
}


@pytest.mark.parametrize(("caller", "expected"), matrix(CALLERS, PRESENT))
def test_share_presentation(consent_world, consent_clients, caller, expected):
    grant = (
        consent_world.sam_grant
        if caller in ("guardian_own", "minor_self")
        else consent_world.lapsed[caller][0]
        if caller in consent_world.lapsed
        else consent_world.maya_grant
    )
    before = snapshot()

    response = consent_clients[caller].post(
        f"/api/v1/grants/{grant.public_id}/presentations",
        {"disclose": ["use", "project"], "audience": "Festival desk"},
        format="json",
    )

    if expected is CREATED:
        assert response.status_code == 201, response.content
        assert response.json()["disclosed"] == ["consent.project", "consent.use"]
        assert SharedPresentation.objects.get().token.grant == grant
    else:
        refused(response, expected, before, snapshot)


@pytest.mark.parametrize("caller", CALLERS)
def test_anyone_may_verify_a_presentation(consent_world, consent_clients, caller):
    shared = services.presentation_share(
        grant=consent_world.maya_grant, disclose=["use"], audience="Desk", actor=SYSTEM
    )
    before = snapshot()

    response = consent_clients[caller].post(
        "/api/v1/presentations/verify",
        {"presentation": shared.presentation, "audience": "Desk", "nonce": shared.nonce},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["claims"]["consent"] == {"use": consent_world.maya_grant.use}
    assert snapshot() == before
