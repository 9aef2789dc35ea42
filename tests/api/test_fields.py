"""Request bodies take only the JSON types and written forms the schema documents: every field a
client writes is one of registry.api.fields, and what DRF alone would convert is refused."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from registry.api import fields
from registry.webhooks import services as webhook_services
from tests.api.conftest import assert_problem, db_snapshot
from tests.conftest import SYSTEM
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db

# DRF fields that convert other JSON types or written forms into their own.
CONVERTING = (
    serializers.CharField,
    serializers.BooleanField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.DecimalField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.DurationField,
    serializers.JSONField,
)
STRICT = tuple(cls for cls in vars(fields).values() if isinstance(cls, type) and issubclass(cls, serializers.Field))


def _request_bodies() -> list[tuple[str, serializers.Serializer]]:
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    bodies = []
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        if method in ("POST", "PUT", "PATCH"):
            view.schema.path, view.schema.path_regex, view.schema.method = path, path_regex, method
            body = view.schema.get_request_serializer()
            if body is not None:
                bodies.append((f"{method} {path}", body() if isinstance(body, type) else body))
    return bodies


def _writable_fields(field, path: str):
    if getattr(field, "read_only", False):
        return
    if isinstance(field, serializers.ListSerializer):
        yield from _writable_fields(field.child, f"{path}[]")
    elif isinstance(field, serializers.Serializer):
        for name, child in field.fields.items():
            yield from _writable_fields(child, f"{path}.{name}")
    elif isinstance(field, serializers.ListField | serializers.DictField):
        yield from _writable_fields(field.child, f"{path}[]")
    else:
        yield path, field


def test_every_field_a_client_writes_takes_only_its_documented_form():
    bodies = _request_bodies()
    assert len(bodies) >= 18  # the walk reaches the request bodies
    found = [(path, field) for where, body in bodies for path, field in _writable_fields(body, where)]
    assert len(found) > 80
    converting = [
        f"{path}: {type(field).__name__}"
        for path, field in found
        if isinstance(field, CONVERTING) and not isinstance(field, STRICT)
    ]
    assert converting == []


@pytest.mark.parametrize(
    ("value", "accepted"),
    [(True, True), (False, True), (0, False), (1, False), ("true", False), ("yes", False), ("on", False)],
)
def test_booleans_are_true_or_false(value, accepted):
    if accepted:
        assert fields.BooleanField().run_validation(value) is value
    else:
        assert _refused(fields.BooleanField(), value)


@pytest.mark.parametrize("value", [5, 5.0, True, ["a"]])
def test_text_is_a_json_string(value):
    assert _refused(fields.CharField(), value)
    assert _refused(fields.SlugField(), value)


@pytest.mark.parametrize(("value", "accepted"), [(5, True), ("5", False), (5.0, False), (True, False)])
def test_integers_are_json_integers(value, accepted):
    if accepted:
        assert fields.IntegerField().run_validation(value) == 5
    else:
        assert _refused(fields.IntegerField(), value)


def test_a_text_longer_than_its_maximum_as_sent_is_refused_though_trimming_would_shorten_it():
    # the schema's maxLength counts the string sent; DRF alone counted it trimmed
    assert fields.CharField(max_length=5).run_validation(" abc ") == "abc"
    assert _refused(fields.CharField(max_length=5), "\x85abcde")
    assert _refused(fields.CharField(max_length=5, allow_blank=True), " " * 6)


def _refused(field, value) -> bool:
    with pytest.raises(serializers.ValidationError):
        field.run_validation(value)
    return True


# --- What the outside review sent ---------------------------------------------------------------
def test_a_check_with_record_0_is_refused_and_records_nothing(studio, performer, agreement):
    body = {
        "performer": performer.performer.public_id,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "The Long Night", "production_number": "NLP-2027-004"},
        "media": ["streaming"],
        "territory": ["US"],
        "record": 0,
    }
    before = db_snapshot()

    response = studio.client.post("/api/v1/consent-checks/", body, format="json")

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"] == [{"field": "record", "code": "invalid", "message": "Must be a valid boolean."}]
    assert db_snapshot() == before


def test_a_revocation_with_reason_0_is_refused_and_changes_nothing(performer, studio, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    before = db_snapshot()

    response = performer.client.post(f"/api/v1/grants/{grant.public_id}/revoke", {"reason": 0}, format="json")

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"] == [{"field": "reason", "code": "invalid", "message": "Not a valid string."}]
    assert db_snapshot() == before


def test_a_webhook_endpoint_enabled_0_is_refused_and_left_as_it_was(studio):
    endpoint, _ = webhook_services.endpoint_create(
        studio=studio.studio, url="https://hooks.example.com/x", event_types=["grant.revoked"], actor=SYSTEM
    )

    response = studio.client.patch(f"/api/v1/webhook-endpoints/{endpoint.public_id}", {"enabled": 0}, format="json")

    assert_problem(response, 400, "validation-error")
    endpoint.refresh_from_db()
    assert endpoint.status == "enabled"


def test_a_token_that_is_a_number_is_refused(anonymous):
    response = anonymous.post("/api/v1/tokens/verify", {"token": 12345}, format="json")

    problem = assert_problem(response, 400, "validation-error")
    assert problem["errors"] == [{"field": "token", "code": "invalid", "message": "Not a valid string."}]
