"""Who may call the content-credential endpoints, what they get back, and that a refusal changes
nothing: studios sign files for their own grants; anyone verifies a file."""

from __future__ import annotations

import io

import pytest

from registry.audit.models import AuditEvent
from registry.media.models import MediaCredential
from tests.api.conftest import CALLERS
from tests.api.test_proofs_permissions import STUDIOS_ONLY
from tests.consent.factories import grant_for
from tests.media.conftest import configure_registry_chain
from tests.media.samples import png
from tests.permissions import CREATED, NOT_FOUND, matrix, refused
from tests.tokens.conftest import in_term_today

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "credentials": list(MediaCredential.objects.order_by("pk").values_list("public_id", flat=True)),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture
def registry_chain(settings, tmp_path):
    return configure_registry_chain(settings, tmp_path)


@pytest.fixture
def in_term(consent_world, studio, agreement):
    """Maya's grant to Northlight, in its term today (the consent_world's grants start in a month)."""
    return grant_for(studio.studio, consent_world.maya, agreement, description=in_term_today(), use="voice_replica")


@pytest.mark.parametrize(
    ("caller", "expected"), matrix(CALLERS, {**STUDIOS_ONLY, "studio": CREATED, "other_studio": NOT_FOUND})
)
def test_sign_media(registry_chain, consent_world, consent_clients, in_term, caller, expected):
    before = snapshot()

    response = consent_clients[caller].post(
        "/api/v1/media/sign", {"file": io.BytesIO(png()), "grant": in_term.public_id}, format="multipart"
    )

    if expected is CREATED:
        assert response.status_code == 201, response.content
        assert MediaCredential.objects.get().grant == in_term
    else:
        refused(response, expected, before, snapshot)


@pytest.mark.parametrize("caller", CALLERS)
def test_anyone_may_verify_media(registry_chain, consent_world, consent_clients, studio, in_term, caller):
    signed = studio.client.post(
        "/api/v1/media/sign", {"file": io.BytesIO(png()), "grant": in_term.public_id}, format="multipart"
    ).content
    before = snapshot()

    response = consent_clients[caller].post("/api/v1/media/verify", {"file": io.BytesIO(signed)}, format="multipart")

    assert response.status_code == 200, response.content
    assert (response.json()["verdict"], response.json()["grant"]) == ("valid", in_term.public_id)
    assert snapshot() == before
