"""Studio API keys: valid, wrong, revoked, malformed, missing scope, suspended studio."""

from __future__ import annotations

import pytest
from django.utils import timezone

from registry.core.vocabulary.parties import StudioStatus
from registry.parties.keys import hash_key, parse_prefix
from registry.parties.models import ApiKey
from registry.parties.services import api_key_revoke
from tests.api.conftest import assert_problem
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_valid_key_authenticates_and_names_the_studio(studio):
    response = studio.client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["id"] == studio.studio.public_id
    assert response.json()["api_key"]["prefix"] == parse_prefix(studio.secret)


def test_valid_key_records_last_use(studio):
    studio.client.get("/api/v1/me")
    key = ApiKey.objects.get(prefix=parse_prefix(studio.secret))
    assert key.last_used_at is not None
    assert timezone.now() - key.last_used_at < timezone.timedelta(minutes=1)


def test_only_a_hash_of_the_secret_is_stored(studio):
    key = ApiKey.objects.get(prefix=parse_prefix(studio.secret))
    assert key.secret_hash == hash_key(studio.secret)
    stored_values = [str(v) for v in ApiKey.objects.values_list().get(pk=key.pk)]
    assert studio.secret not in stored_values


def test_wrong_secret_with_a_real_prefix_is_401(studio, anonymous):
    prefix = parse_prefix(studio.secret)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer crk_{prefix}_{'a' * 32}")
    response = anonymous.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/problems/invalid-api-key")
    assert response.json()["detail"] == "The API key is unknown or revoked."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer crk_short_x", "Bearer two words"])
def test_malformed_key_is_401(anonymous, header, db):
    anonymous.credentials(HTTP_AUTHORIZATION=header)
    response = anonymous.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_revoked_key_is_401(studio):
    api_key_revoke(api_key=ApiKey.objects.get(prefix=parse_prefix(studio.secret)), actor=SYSTEM)
    response = studio.client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["type"].endswith("/problems/invalid-api-key")


def test_missing_credentials_is_401(anonymous):
    response = anonymous.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["type"].endswith("/problems/not-authenticated")


def test_key_without_the_required_scope_is_403_naming_the_scope(make_studio_caller):
    caller = make_studio_caller("Narrow Scope Films", scopes=["consent:read"])
    response = caller.client.get("/api/v1/me/contacts/")
    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("/problems/missing-scope")
    assert body["required_scope"] == "profile"
    assert body["detail"] == "This API key lacks the 'profile' scope."


def test_key_of_a_suspended_studio_is_403(studio):
    studio.studio.status = StudioStatus.SUSPENDED
    studio.studio.save()
    response = studio.client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/studio-suspended")


def test_issuing_a_key_with_an_unknown_scope_is_refused(studio):
    from django.core.exceptions import ValidationError

    from registry.parties.services import api_key_issue

    before = ApiKey.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        api_key_issue(studio=studio.studio, name="x", scopes=["everything"], actor=SYSTEM)
    assert "Unknown scope(s): everything." in str(excinfo.value)
    assert ApiKey.objects.count() == before


# --- The process's cache of recently authenticated keys -----------------------------------------
def _warm(caller) -> None:
    assert caller.client.get("/api/v1/me").status_code == 200


def test_a_key_revoked_through_the_service_stops_working_at_once(studio):
    _warm(studio)
    api_key_revoke(api_key=ApiKey.objects.get(prefix=parse_prefix(studio.secret)), actor=SYSTEM)
    assert_problem(studio.client.get("/api/v1/me"), 401, "invalid-api-key")


def test_a_studio_suspended_after_its_key_was_used_is_refused_at_once(studio):
    _warm(studio)
    studio.studio.status = StudioStatus.SUSPENDED
    studio.studio.save()
    response = studio.client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/studio-suspended")


def test_a_key_revoked_by_another_process_stops_working_when_the_cache_entry_expires(studio, settings, monkeypatch):
    import registry.parties.services as party_services

    settings.API_KEY_CACHE_SECONDS = 5
    _warm(studio)
    # Another process revokes the key: no signal reaches this one.
    ApiKey.objects.filter(prefix=parse_prefix(studio.secret)).update(revoked_at=timezone.now())
    assert studio.client.get("/api/v1/me").status_code == 200  # served from the cache, within 5 s

    later = party_services.time.monotonic() + 5.01
    monkeypatch.setattr(party_services.time, "monotonic", lambda: later)
    response = studio.client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["type"].endswith("/problems/invalid-api-key")


def test_with_the_cache_off_another_process_revoking_a_key_is_seen_at_once(studio, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    _warm(studio)
    ApiKey.objects.filter(prefix=parse_prefix(studio.secret)).update(revoked_at=timezone.now())
    assert_problem(studio.client.get("/api/v1/me"), 401, "invalid-api-key")


def test_a_cached_key_still_needs_the_whole_secret(studio, anonymous):
    _warm(studio)
    prefix = parse_prefix(studio.secret)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer crk_{prefix}_{'b' * 32}")
    assert_problem(anonymous.get("/api/v1/me"), 401, "invalid-api-key")
