"""Idempotency-Key on POSTs: replay, conflict, in-flight, and what is not remembered."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from registry.api.idempotency import KEY_PATTERN
from registry.api.models import IdempotencyRecord
from registry.parties.models import StudioContact

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/contacts/"
BODY = {"name": "Jo", "email": "jo@north.example", "role": "technical"}


def post(caller, body, key):
    return caller.client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_response(studio):
    first = post(studio, BODY, "key-1")
    second = post(studio, BODY, "key-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert first.has_header("Idempotent-Replayed") is False
    assert StudioContact.objects.count() == 1


def test_same_key_with_key_order_changed_is_the_same_body(studio):
    post(studio, BODY, "key-1")
    reordered = dict(reversed(list(BODY.items())))
    assert post(studio, reordered, "key-1")["Idempotent-Replayed"] == "true"
    assert StudioContact.objects.count() == 1


def test_same_key_with_another_body_is_422_and_changes_nothing(studio):
    post(studio, BODY, "key-1")
    response = post(studio, {**BODY, "name": "Someone else"}, "key-1")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/problems/idempotency-key-reused")
    assert StudioContact.objects.count() == 1


def test_key_still_in_flight_is_409(studio):
    post(studio, BODY, "key-1")
    # As if the first request were still running: its record has no response yet.
    IdempotencyRecord.objects.filter(key="key-1").update(response_status=None)
    response = post(studio, BODY, "key-1")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/problems/idempotency-key-in-flight")


def test_keys_are_per_studio(studio, other_studio):
    post(studio, BODY, "shared-key")
    response = post(other_studio, BODY, "shared-key")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert StudioContact.objects.count() == 2


def test_a_failed_request_is_not_remembered(studio):
    bad = post(studio, {**BODY, "email": "not-an-email"}, "key-1")
    assert bad.status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    good = post(studio, BODY, "key-1")
    assert good.status_code == 201


def test_expired_key_can_be_used_again(studio):
    post(studio, BODY, "key-1")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    response = post(studio, {**BODY, "email": "other@north.example"}, "key-1")
    assert response.status_code == 201
    assert StudioContact.objects.count() == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_invalid_key_is_400(studio, key):
    response = post(studio, BODY, key)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/invalid-idempotency-key")
    assert StudioContact.objects.count() == 0


def test_the_schema_states_the_keys_the_server_takes(anonymous, studio):
    schema = anonymous.get("/api/schema/?format=json").json()
    keys = [
        p["schema"]
        for item in schema["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    ]
    assert len(keys) >= 8
    assert all(k["pattern"] == KEY_PATTERN for k in keys)
    for key in ["", "has space", "x" * 256, "naïve", "tab\there"]:
        assert not re.fullmatch(KEY_PATTERN, key)
    for i, key in enumerate(["a", "x" * 255, "0f0c1a6e-9c3e-4b8e-a0f1-3d5c8a2b7e10", "!~#%{}"]):
        assert re.fullmatch(KEY_PATTERN, key)
        assert post(studio, {**BODY, "email": f"jo{i}@north.example"}, key).status_code == 201
